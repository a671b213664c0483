import { useApp } from '../store/react.js';
import { isTapActive, type TransportChoice } from '../store/tap-slice.js';
import { OptionalNumber } from '../ui/OptionalNumber.js';
import { NodeProgress } from './NodeProgress.js';
import { PermissionPanel } from './PermissionPanel.js';

const TRANSPORTS: { value: TransportChoice; label: string }[] = [
  { value: 'auto', label: 'auto (VXLAN, falls back to the API)' },
  { value: 'vxlan', label: 'VXLAN (UDP 4789)' },
  { value: 'gre', label: 'GRE' },
  { value: 'api', label: 'API server (behind NAT)' },
];

/** The tap session: phase, the transport in use and why, nodes, permission problems, the log. */
export function TapPanel() {
  const state = useApp((s) => s.tap.state);
  const error = useApp((s) => s.tap.error);
  const unavailable = useApp((s) => s.tap.unavailable);
  const transport = useApp((s) => s.tap.transport);
  const setTransport = useApp((s) => s.tap.setTransport);
  const listenPort = useApp((s) => s.tap.listenPort);
  const { setListenPort, listen } = useApp((s) => s.tap);
  const pending = useApp((s) => s.tap.pending);
  const active = isTapActive(state);
  const log = state?.log.slice(-6) ?? [];

  return (
    <section className="panel tap-panel" aria-labelledby="tap-heading">
      <header className="panel-header">
        <h2 id="tap-heading">Tap</h2>
        <span className={`badge phase-${state?.phase ?? 'idle'}`} data-testid="tap-phase">
          {state?.phase ?? 'idle'}
        </span>
      </header>
      {unavailable && <p className="inline-error">{unavailable}</p>}
      <label className="field-row">
        <span>Transport</span>
        <select
          className="field"
          value={transport}
          disabled={active}
          onChange={(e) => setTransport(e.target.value as TransportChoice)}
        >
          {TRANSPORTS.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      {!active && (
        <div className="listen-row">
          <OptionalNumber
            label="Listen only"
            value={listenPort}
            min={1}
            max={65_535}
            unit="UDP"
            placeholder="4789"
            onChange={(port) => setListenPort(port ?? 4789)}
          />
          <button
            type="button"
            className="button"
            disabled={pending !== null}
            title="Receive VXLAN here without deploying anything: agents of a kept session, or a TAP that exports VXLAN"
            onClick={() => void listen(false)}
          >
            Listen
          </button>
        </div>
      )}
      {state?.transport && (
        <p className="transport-line" data-testid="tap-transport">
          <strong>Transport: {state.transport.kind}</strong> — {state.transport.why}
        </p>
      )}
      {error?.kind === 'forbidden' ? (
        <PermissionPanel error={error} context={state?.context ?? null} />
      ) : (
        error && (
          <p className="inline-error" role="alert">
            {error.message}
          </p>
        )
      )}
      <NodeProgress nodes={state?.nodes ?? []} />
      {log.length > 0 && (
        <ol className="tap-log" aria-label="Tap log">
          {log.map((line) => (
            <li key={`${line.at}-${line.message}`} className={`log-${line.level}`}>
              <time dateTime={line.at}>{line.at.slice(11, 19)}</time> {line.message}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
