import type { NodeTapState } from '../api/dto.js';
import { bytes, count } from '../ui/format.js';

const AGENT_TEXT = { pending: 'pending', starting: 'starting', ready: 'ready', problem: 'problem' } as const;

/** Per-node rollout and mirroring, with the reason for any node that fails. */
export function NodeProgress({ nodes }: { nodes: NodeTapState[] }) {
  if (nodes.length === 0) return null;
  return (
    <table className="dense node-progress" aria-label="Tap progress per node">
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">Agent</th>
          <th scope="col">Mirroring</th>
          <th scope="col" className="num">
            Taps
          </th>
          <th scope="col" className="num">
            Packets
          </th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((n) => (
          <NodeRows key={n.node} node={n} />
        ))}
      </tbody>
    </table>
  );
}

function NodeRows({ node }: { node: NodeTapState }) {
  const failing = node.agent === 'problem' || node.problems.length > 0;
  return (
    <>
      <tr className={failing ? 'row-problem' : ''}>
        <th scope="row">{node.node}</th>
        <td>
          <span
            className={`badge badge-${node.agent === 'ready' ? 'ok' : node.agent === 'problem' ? 'bad' : 'unknown'}`}
          >
            {AGENT_TEXT[node.agent]}
          </span>
        </td>
        <td>{node.mirroring ?? '—'}</td>
        <td className="num">{count(node.taps)}</td>
        <td
          className="num"
          title={`${bytes(node.bytes)}; ${count(node.dropped)} packets the node could not deliver`}
        >
          {count(node.packets)}
          {node.dropped > 0 && <span className="drops"> ({count(node.dropped)} dropped)</span>}
        </td>
      </tr>
      {node.reason && (
        <tr className="row-reason">
          <td colSpan={5}>{node.reason}</td>
        </tr>
      )}
      {node.problems.map((p) => (
        <tr key={`${p.pod}:${p.message}`} className="row-reason">
          <td colSpan={5}>
            {p.pod ? <strong>{p.pod}: </strong> : null}
            {p.message}
          </td>
        </tr>
      ))}
    </>
  );
}
