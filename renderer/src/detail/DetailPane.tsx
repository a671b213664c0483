import { useApp } from '../store/react.js';
import { HexDump } from './HexDump.js';
import { ProtocolTree } from './ProtocolTree.js';

/** The selected packet: where it was tapped, its protocol tree, its bytes. */
export function DetailPane() {
  const number = useApp((s) => s.detail.number);
  const packet = useApp((s) => s.detail.packet);
  const loading = useApp((s) => s.detail.loading);
  const error = useApp((s) => s.detail.error);
  if (number === null)
    return (
      <section className="detail-pane empty" aria-label="Packet detail">
        <p className="empty-note">Select a packet (↑/↓ in the list) to see its protocol tree and bytes.</p>
      </section>
    );
  const row = packet?.row;
  return (
    <section className="detail-pane" aria-label={`Packet ${number} detail`} aria-busy={loading}>
      <header className="detail-header">
        <strong>Packet {number}</strong>
        {row && (
          <span>
            {row.interfaceName} · {row.length} bytes on wire · {new Date(row.epoch * 1000).toISOString()}
          </span>
        )}
        {error && <span className="inline-error">{error}</span>}
      </header>
      <div className="detail-split">
        <ProtocolTree />
        <HexDump />
      </div>
    </section>
  );
}
