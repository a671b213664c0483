import { useApp } from '../store/react.js';

/**
 * Every failed request's sentence, as the core wrote it. Errors stay until dismissed and are
 * announced assertively; information is polite and fades.
 */
export function Notices() {
  const items = useApp((s) => s.notices.items);
  const dismiss = useApp((s) => s.notices.dismiss);
  return (
    <section className="notices" aria-label="Messages">
      <div role="alert" aria-live="assertive" className="notices-stack">
        {items
          .filter((n) => n.level === 'error')
          .map((n) => (
            <div key={n.id} className="notice notice-error">
              <span className="notice-text">
                {n.context && <strong>{n.context} failed: </strong>}
                {n.message}
              </span>
              <button
                type="button"
                className="icon-button"
                aria-label="Dismiss message"
                onClick={() => dismiss(n.id)}
              >
                ×
              </button>
            </div>
          ))}
      </div>
      <div role="status" aria-live="polite" className="notices-stack">
        {items
          .filter((n) => n.level !== 'error')
          .map((n) => (
            <div key={n.id} className={`notice notice-${n.level}`}>
              <span className="notice-text">{n.message}</span>
              <button
                type="button"
                className="icon-button"
                aria-label="Dismiss message"
                onClick={() => dismiss(n.id)}
              >
                ×
              </button>
            </div>
          ))}
      </div>
    </section>
  );
}
