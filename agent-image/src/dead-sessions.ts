import net from 'node:net';
import { healthPortOf } from '../../main/kube/deploy/session.js';
import type { Exec } from './tap-engine/exec.js';
import { sessionIdentity } from './tap-engine/identity.js';
import { parseLinks } from './tap-engine/iproute-json.js';
import { removeSessionLeftovers } from './tap-engine/leftovers.js';
import { MirrorFilters } from './tap-engine/mirror-filters.js';
import { TUNNEL_DEVICE_PREFIX } from './tap-engine/tunnel-devices.js';

const ALIAS = /^clustertap session=([a-z0-9]{4,16})(?: |$)/;

export interface DeadSessionDeps {
  exec: Exec;
  ownSession: string;
  log: (line: string) => void;
  /** Whether a session's agent answers on this node (its health port); default: a TCP connect. */
  agentAlive?: (sessionId: string) => Promise<boolean>;
  /** Between the two looks that must both find no agent; default 5 s. */
  confirmMs?: number;
}

/**
 * Mirrors whose agent is gone for good (its session was undeployed while the agent crash-looped,
 * or its DaemonSet was deleted by hand) keep copying packets to a collector nobody watches, and
 * the dead-man switch cannot act without an agent. Any agent on the node removes them: another
 * session's devices (found by their alias) whose agent has not answered on its health port
 * twice, `confirmMs` apart. A restarting agent cleans its own leftovers anyway, so a wrong
 * guess costs it only a re-tap.
 */
export async function removeDeadSessions(deps: DeadSessionDeps): Promise<string[]> {
  const alive = deps.agentAlive ?? agentAnswers;
  const others = await otherSessions(deps.exec, deps.ownSession);
  const suspects: string[] = [];
  for (const id of others) if (!(await alive(id))) suspects.push(id);
  if (suspects.length === 0) return [];
  await new Promise((resolve) => setTimeout(resolve, deps.confirmMs ?? 5000));
  const removed: string[] = [];
  for (const id of suspects) {
    if (await alive(id)) continue;
    const identity = sessionIdentity(id);
    const report = await removeSessionLeftovers(deps.exec, identity, new MirrorFilters(deps.exec, identity));
    deps.log(
      `removed what session ${id} left on this node (its agent is gone): ${report.filters} filters, ${report.devices} devices, ${report.qdiscs} qdiscs` +
        (report.errors.length > 0 ? `; could not remove: ${report.errors.join('; ')}` : ''),
    );
    removed.push(id);
  }
  return removed;
}

async function otherSessions(exec: Exec, own: string): Promise<string[]> {
  const links = parseLinks(await exec('ip', ['-j', '-d', 'link', 'show']));
  const ids = new Set<string>();
  for (const link of links) {
    const id = link.name.startsWith(TUNNEL_DEVICE_PREFIX) ? ALIAS.exec(link.alias ?? '')?.[1] : undefined;
    if (id && id !== own) ids.add(id);
  }
  return [...ids];
}

function agentAnswers(sessionId: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: healthPortOf(sessionId), timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true); // no answer is not "nothing there": do not remove what might be alive
    });
    socket.once('error', () => resolve(false));
  });
}
