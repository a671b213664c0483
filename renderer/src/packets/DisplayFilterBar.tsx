import { useId } from 'react';
import { useApp } from '../store/react.js';
import { count } from '../ui/format.js';

/**
 * Wireshark's display filter bar: Wireshark syntax, checked as you type
 * (packets.checkDisplayFilter), green when it reads, red with the message and position when it
 * does not; Enter applies it to the packet store. Separate from the capture filter, which decides
 * what is captured at all.
 */
export function DisplayFilterBar() {
  const text = useApp((s) => s.packets.filterText);
  const check = useApp((s) => s.packets.filterCheck);
  const stats = useApp((s) => s.packets.stats);
  const { setFilterText, applyFilter } = useApp((s) => s.packets);
  const messageId = useId();
  const applied = stats?.displayFilter ?? '';
  const tone = check.state === 'valid' ? 'valid' : check.state === 'invalid' ? 'invalid' : '';
  return (
    <search className="display-filter-bar" aria-label="Display filter">
      <input
        type="text"
        className={`field mono filter-input ${tone}`}
        data-focus="display-filter"
        aria-label="Display filter (Wireshark syntax); Enter applies"
        aria-keyshortcuts="Control+F"
        aria-invalid={check.state === 'invalid' ? true : undefined}
        aria-describedby={messageId}
        placeholder="Apply a display filter … <Ctrl-F>"
        spellCheck={false}
        autoComplete="off"
        value={text}
        onChange={(e) => setFilterText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void applyFilter();
          } else if (e.key === 'Escape' && text) {
            e.preventDefault();
            setFilterText('');
          }
        }}
      />
      <button
        type="button"
        className="button"
        onClick={() => void applyFilter()}
        disabled={check.state === 'invalid' || text.trim() === applied}
      >
        Apply
      </button>
      <span
        id={messageId}
        className={`filter-message inline ${tone}`}
        aria-live="polite"
        data-testid="display-filter-message"
      >
        {check.state === 'invalid'
          ? `${check.message}${check.position > 0 ? ` (at character ${check.position + 1})` : ''}`
          : text.trim() !== applied
            ? 'Enter applies'
            : stats && applied
              ? `Displayed ${count(stats.displayed)} of ${count(stats.count)}`
              : ''}
        {stats?.filtering != null && ` — filtering ${Math.round(stats.filtering * 100)}%`}
      </span>
    </search>
  );
}
