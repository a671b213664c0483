import { useEffect, useId, useState } from 'react';

interface Props {
  label: string;
  /** undefined = the stage is off (the field is empty). */
  value: number | undefined;
  min: number;
  max: number;
  unit: string;
  placeholder: string;
  onChange: (value: number | undefined) => void;
}

/**
 * A whole number that may be left empty (stage off). What is typed stays in the field while it is
 * out of range, with the range said next to it; only valid values reach the policy.
 */
export function OptionalNumber({ label, value, min, max, unit, placeholder, onChange }: Props) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  const problemId = useId();
  // A policy loaded from settings (or changed elsewhere) replaces what the field shows.
  useEffect(() => {
    setText((current) =>
      Number(current) === value || (current === '' && value === undefined)
        ? current
        : value === undefined
          ? ''
          : String(value),
    );
  }, [value]);
  const number = Number(text);
  const problem =
    text.trim() !== '' && (!Number.isInteger(number) || number < min || number > max)
      ? `${min}–${max}`
      : null;
  return (
    <label className="field-row">
      <span>{label}</span>
      <input
        type="text"
        inputMode="numeric"
        className={`field num${problem ? ' invalid' : ''}`}
        placeholder={placeholder}
        value={text}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? problemId : undefined}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          const n = Number(next);
          if (next.trim() === '') onChange(undefined);
          else if (Number.isInteger(n) && n >= min && n <= max) onChange(n);
        }}
      />
      <span className="unit">{unit}</span>
      {problem && (
        <span id={problemId} className="inline-error">
          {problem}
        </span>
      )}
    </label>
  );
}
