import { useApp } from '../store/react.js';
import { probeLabel } from './probe-label.js';

/** The current context, always visible; opens the switcher (Ctrl+K). */
export function ContextButton() {
  const current = useApp((s) => s.contexts.state?.current ?? null);
  const probe = useApp((s) => (current ? s.contexts.probes[current] : undefined));
  const switching = useApp((s) => s.contexts.switching);
  const open = useApp((s) => s.ui.openDialog);
  const label = probeLabel(probe);
  return (
    <button
      type="button"
      className="context-button"
      onClick={() => open('contexts')}
      aria-keyshortcuts="Control+K"
      aria-label={`Kubernetes context: ${current ?? 'none'}, ${label.text}. Switch context`}
      title="Switch context (Ctrl+K)"
    >
      <span className={`dot dot-${current ? label.tone : 'bad'}`} aria-hidden="true" />
      <span className="context-name">{switching ? `${switching}…` : (current ?? 'no context')}</span>
      <kbd>Ctrl+K</kbd>
    </button>
  );
}
