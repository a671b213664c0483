import { useId, useState } from 'react';
import { useApp } from '../store/react.js';
import { maskRuleProblem, parseMaskRange, rangeText } from './policy-form.js';

/**
 * Masking: regular expressions over L4 payloads (`--mask`) and byte ranges (`--mask-range
 * ANCHOR:OFFSET:LEN`); masked bytes are overwritten with '*' (0x2a) before anything is stored.
 */
export function MaskRules() {
  const mask = useApp((s) => s.policy.draft.mask);
  const change = useApp((s) => s.policy.change);
  const [text, setText] = useState('');
  const problemId = useId();
  const regex = mask?.regex ?? [];
  const ranges = mask?.ranges ?? [];
  const isRange = /^[a-z0-9-]+:\d/.test(text.trim());
  const parsedRange = isRange ? parseMaskRange(text) : null;
  const problem = !text
    ? null
    : isRange
      ? typeof parsedRange === 'string'
        ? parsedRange
        : null
      : maskRuleProblem(text);
  const update = (next: { regex: string[]; ranges: typeof ranges }) =>
    change({ mask: { regex: next.regex, ranges: next.ranges, fill: mask?.fill ?? 0x2a } });
  const add = () => {
    if (!text || problem) return;
    if (parsedRange && typeof parsedRange !== 'string') {
      if (!ranges.some((r) => rangeText(r) === rangeText(parsedRange)))
        update({ regex, ranges: [...ranges, parsedRange] });
    } else if (!regex.includes(text)) update({ regex: [...regex, text], ranges });
    setText('');
  };
  return (
    <fieldset className="mask-rules">
      <legend>Masking</legend>
      {(regex.length > 0 || ranges.length > 0) && (
        <ul aria-label="Masking rules in use">
          {regex.map((rule) => (
            <li key={`r:${rule}`}>
              <code>/{rule}/</code>
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove masking rule ${rule}`}
                onClick={() => update({ regex: regex.filter((m) => m !== rule), ranges })}
              >
                ×
              </button>
            </li>
          ))}
          {ranges.map((range, i) => (
            <li key={`b:${rangeText(range)}`}>
              <code>{rangeText(range)}</code>
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove masked range ${rangeText(range)}`}
                onClick={() => update({ regex, ranges: ranges.filter((_, j) => j !== i) })}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="field-row">
        <input
          type="text"
          className={`field mono${problem ? ' invalid' : ''}`}
          aria-label="New masking rule: a regular expression, or ANCHOR:OFFSET:LENGTH"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? problemId : undefined}
          placeholder="regex, or anchor:offset:length"
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button type="button" className="button" onClick={add} disabled={!text || !!problem}>
          Add
        </button>
      </div>
      {problem && (
        <p id={problemId} className="inline-error">
          {problem}
        </p>
      )}
    </fieldset>
  );
}
