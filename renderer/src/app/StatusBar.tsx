import { useApp } from '../store/react.js';
import { count } from '../ui/format.js';

/** Wireshark's status bar: what is loaded, how much of it is shown, and what is going on. */
export function StatusBar() {
  const transport = useApp((s) => s.connection.transport);
  const mode = useApp((s) => s.connection.info?.mode);
  const version = useApp((s) => s.connection.info?.version);
  const stats = useApp((s) => s.packets.stats);
  const marked = useApp((s) => s.packets.marked.size);
  const following = useApp((s) => s.packets.following);
  const busy = useApp((s) => s.capture.busy);
  const progress = useApp((s) => s.capture.progress);
  const context = useApp((s) => s.contexts.state?.current);
  return (
    <footer className="status-bar">
      <span
        className={`connection connection-${transport}`}
        role="status"
        data-testid="connection-state"
        data-state={transport}
      >
        {transport === 'open' ? '●' : '○'}{' '}
        {transport === 'open'
          ? 'connected'
          : transport === 'connecting'
            ? 'connecting…'
            : 'disconnected — reconnecting'}
      </span>
      <span>context {context ?? '—'}</span>
      {stats && (
        <span data-testid="packet-counts">
          {stats.source === 'file'
            ? `${stats.fileName ?? 'file'}: `
            : stats.source === 'live'
              ? 'live: '
              : ''}
          Packets {count(stats.count)} · Displayed {count(stats.displayed)}
          {stats.droppedByLimit > 0 && ` · Dropped (ring limit) ${count(stats.droppedByLimit)}`}
          {marked > 0 && ` · Marked ${count(marked)}`}
        </span>
      )}
      {stats && stats.count > 0 && (
        <span>{following ? 'following new packets' : 'paused at your position (End follows)'}</span>
      )}
      {busy && (
        <span role="status">
          {busy}
          {progress?.total ? ` ${Math.round((progress.done / progress.total) * 100)}%` : ''}
        </span>
      )}
      <span className="spacer" />
      <span className="hint">
        {mode === 'serve' ? 'clustertap serve' : mode === 'electron' ? 'desktop' : ''} {version ?? ''} · ? for
        shortcuts
      </span>
    </footer>
  );
}
