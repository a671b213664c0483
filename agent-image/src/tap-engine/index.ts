/**
 * The tap engine: the part of the agent that changes the node's kernel. For each selected pod it
 * finds the host-side interface, creates two silent tunnel devices (VXLAN or gretap) aimed at the
 * broker, and mirrors each direction into its own tunnel with a tc filter of our own on a clsact
 * qdisc. See README.md next to this file.
 */
export { createTapEngine } from './engine.js';
export { defaultExec, type Exec, ExecError, netnsExec } from './exec.js';
export { sessionIdentity } from './identity.js';
export type {
  CleanupReport,
  EngineConfig,
  ReconcileResult,
  Tap,
  TapCounters,
  TapEngine,
  TapTarget,
  TargetState,
  TargetStatus,
} from './types.js';
