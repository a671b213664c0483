import { useId } from 'react';
import { useApp } from '../store/react.js';
import { plural } from '../ui/format.js';

/**
 * The capture filter in tcpdump syntax, compiled by libpcap as you type (filter.validate): green
 * when it compiles, red with libpcap's own message when it does not. Enter applies it to a running tap.
 */
export function CaptureFilterInput() {
  const filter = useApp((s) => s.policy.draft.filter ?? '');
  const check = useApp((s) => s.policy.filterCheck);
  const { setFilter, apply } = useApp((s) => s.policy);
  const messageId = useId();
  const tone =
    check.state === 'valid'
      ? 'valid'
      : check.state === 'invalid'
        ? 'invalid'
        : check.state === 'checking'
          ? 'checking'
          : '';
  return (
    <div className="filter-field">
      <label htmlFor={`${messageId}-input`} className="field-label">
        Capture filter <span className="hint">(tcpdump syntax, runs on the nodes)</span>
      </label>
      <input
        id={`${messageId}-input`}
        type="text"
        className={`field mono filter-input ${tone}`}
        data-focus="capture-filter"
        aria-keyshortcuts="Control+Shift+F"
        aria-invalid={check.state === 'invalid' ? true : undefined}
        aria-describedby={messageId}
        placeholder="e.g. tcp port 8080 or icmp"
        spellCheck={false}
        autoComplete="off"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void apply();
          }
        }}
      />
      <p
        id={messageId}
        className={`filter-message ${tone}`}
        aria-live="polite"
        data-testid="capture-filter-message"
      >
        {check.state === 'invalid'
          ? check.message
          : check.state === 'valid'
            ? `Compiles to ${plural(check.instructions, 'BPF instruction')}.`
            : check.state === 'checking'
              ? 'Checking with libpcap…'
              : 'Empty: every packet is captured.'}
      </p>
    </div>
  );
}
