import { useApp } from '../store/react.js';
import { isTapActive } from '../store/tap-slice.js';

/** Tap / Stop: one button (Ctrl+E), its label says what a press does now. */
export function TapButton() {
  const state = useApp((s) => s.tap.state);
  const pending = useApp((s) => s.tap.pending);
  const toggle = useApp((s) => s.tap.toggle);
  const active = isTapActive(state);
  const label =
    pending === 'start'
      ? 'Starting…'
      : pending === 'stop' || state?.phase === 'stopping'
        ? 'Stopping…'
        : active
          ? 'Stop'
          : 'Tap';
  return (
    <button
      type="button"
      className={`tap-button${active ? ' running' : ''}`}
      data-focus="tap-button"
      onClick={() => void toggle()}
      disabled={pending !== null || state?.phase === 'stopping'}
      aria-keyshortcuts="Control+E"
      aria-label={active ? 'Stop tapping (Ctrl+E)' : 'Tap the selected pods (Ctrl+E)'}
      title={
        active
          ? 'Stop tapping and remove the agents (Ctrl+E)'
          : 'Deploy agents and tap the selection (Ctrl+E)'
      }
    >
      <span className="tap-icon" aria-hidden="true">
        {active ? '■' : '●'}
      </span>
      {label}
    </button>
  );
}
