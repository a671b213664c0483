import { useEffect, useMemo, useState } from 'react';
import type { Flow } from '../api/dto.js';
import { useApp } from '../store/react.js';
import { bitRate, bytes, count, duration } from '../ui/format.js';

type SortKey = 'packets' | 'bytes' | 'rate' | 'duration';

const endpoint = (address: string, port: number | null) =>
  port === null ? address : address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

/** flows.list as a table, refreshed every second while shown; sortable by the numeric columns. */
export function FlowsView() {
  const flows = useApp((s) => s.flows.list);
  const total = useApp((s) => s.flows.total);
  const error = useApp((s) => s.flows.error);
  const refresh = useApp((s) => s.flows.refresh);
  const exportFlows = useApp((s) => s.capture.exportFlows);
  const [sort, setSort] = useState<SortKey>('bytes');

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), 1000);
    return () => clearInterval(timer);
  }, [refresh]);

  const sorted = useMemo(() => {
    const value = (f: Flow) => (sort === 'duration' ? f.lastSeen - f.firstSeen : f[sort]);
    return [...flows].sort((a, b) => value(b) - value(a));
  }, [flows, sort]);

  const header = (key: SortKey, title: string) => (
    <th scope="col" className="num" aria-sort={sort === key ? 'descending' : 'none'}>
      <button type="button" className="link-button" onClick={() => setSort(key)}>
        {title}
        {sort === key ? ' ▾' : ''}
      </button>
    </th>
  );

  return (
    <section className="flows-view" aria-label="Flows">
      <header className="flows-header">
        <span>
          {count(total)} flows{total > flows.length ? ` (busiest ${count(flows.length)} shown)` : ''}
        </span>
        <button type="button" className="button" onClick={() => void exportFlows()}>
          Export CSV…
        </button>
        {error && <span className="inline-error">{error}</span>}
      </header>
      <div className="table-scroll">
        <table className="dense flows-table">
          <thead>
            <tr>
              <th scope="col">Protocol</th>
              <th scope="col">Source</th>
              <th scope="col">Source pod</th>
              <th scope="col">Destination</th>
              <th scope="col">Destination pod</th>
              {header('packets', 'Packets')}
              {header('bytes', 'Bytes')}
              {header('rate', 'Rate')}
              {header('duration', 'Duration')}
            </tr>
          </thead>
          <tbody>
            {sorted.map((f) => (
              <tr key={`${f.protocol}|${f.source}|${f.sourcePort}|${f.destination}|${f.destinationPort}`}>
                <td>{f.protocol}</td>
                <td className="mono">{endpoint(f.source, f.sourcePort)}</td>
                <td>{f.sourcePod ?? '—'}</td>
                <td className="mono">{endpoint(f.destination, f.destinationPort)}</td>
                <td>{f.destinationPod ?? '—'}</td>
                <td className="num">{count(f.packets)}</td>
                <td className="num">{bytes(f.bytes)}</td>
                <td className="num">{bitRate(f.rate)}</td>
                <td className="num">{duration(f.lastSeen - f.firstSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {flows.length === 0 && !error && <p className="empty-note">No flows yet.</p>}
      </div>
    </section>
  );
}
