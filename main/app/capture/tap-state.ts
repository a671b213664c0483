import type { NodeTapState, TapState } from '../../ipc/contract/tap.js';
import type { NodeStatus } from '../../kube/deploy/node-status.js';
import type { NodeProgress } from '../../kube/deploy/rollout.js';

export type { TapState };

/** Keeps the last this many log lines: a long session must not grow the state without bound. */
const MAX_LOG = 200;

export const idleState = (): TapState => ({
  phase: 'idle',
  sessionId: null,
  context: null,
  selection: null,
  transport: null,
  nodes: [],
  log: [],
  error: null,
  startedAt: null,
});

/** Pure updates of the tap state, so the session code stays about Kubernetes, not bookkeeping. */
export function withLog(state: TapState, level: 'info' | 'warning' | 'error', message: string): TapState {
  const log = [...state.log, { at: new Date().toISOString(), level, message: message.trim() }];
  return { ...state, log: log.slice(-MAX_LOG) };
}

const emptyNode = (node: string): NodeTapState => ({
  node,
  agent: 'pending',
  reason: null,
  mirroring: null,
  taps: 0,
  packets: 0,
  bytes: 0,
  dropped: 0,
  problems: [],
});

function upsert(nodes: NodeTapState[], name: string, change: (n: NodeTapState) => NodeTapState) {
  const found = nodes.some((n) => n.node === name);
  const list = found ? nodes : [...nodes, emptyNode(name)];
  return list.map((n) => (n.node === name ? change(n) : n)).sort((a, b) => a.node.localeCompare(b.node));
}

/** The deployer's per-node rollout. */
export function withRollout(state: TapState, progress: readonly NodeProgress[]): TapState {
  let nodes = state.nodes;
  for (const p of progress)
    nodes = upsert(nodes, p.node, (n) => ({ ...n, agent: p.state, reason: p.reason ?? null }));
  return { ...state, nodes };
}

/** The agents' own reports (node status ConfigMaps). */
export function withAgentReports(state: TapState, statuses: readonly NodeStatus[]): TapState {
  let nodes = state.nodes;
  for (const s of statuses)
    nodes = upsert(nodes, s.node, (n) => ({
      ...n,
      mirroring: s.mirroring,
      taps: s.taps.length,
      packets: s.taps.reduce((sum, t) => sum + t.packets, 0),
      bytes: s.taps.reduce((sum, t) => sum + t.bytes, 0),
      dropped: s.dropped,
      problems: s.problems.map((p) => ({ pod: p.pod ?? null, message: p.message })),
    }));
  return { ...state, nodes };
}

/** The permissions a preflight failure names ("  - create namespaces (cluster-wide)"). */
export function missingPermissions(message: string): string[] {
  return message
    .split('\n')
    .filter((line) => line.startsWith('  - '))
    .map((line) => line.slice(4));
}
