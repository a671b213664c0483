import fs from 'node:fs';
import { deleteCniObjects } from './cni-daemonsets.js';
import {
  CNI_LABEL,
  type CniStyle,
  harnessPaths,
  type LabState,
  type Log,
  POD_NETNS_PREFIX,
  readLabState,
} from './config.js';
import { netnsList, runSync, tryRun } from './exec.js';
import { isNotFound, KubeClient } from './kube-client.js';
import { HOST_ROUTE_PROTO, nodeVethName } from './node-network.js';
import { killLeftovers, loadRecords } from './pod-records.js';

const NODE_NETNS = /^ctlab-node-\d+$/;
const NODE_VETH = /^ctlab-n\d+$/;

/** Kills every process still inside a namespace (by pid), so the namespace can really go. */
function killInside(netns: string): void {
  for (const pid of (runSync('ip', ['netns', 'pids', netns]) ?? '').split(/\s+/).filter(Boolean))
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
}

/**
 * `--cleanup`: removes every namespace, device, route, file and API object the harness made.
 * Works without an API server (skips the API part) and may run any number of times. With
 * state.json it touches only what that state names (another harness instance may share the host
 * and the bridge); without it, it falls back to finding its namespaces and veths by their names.
 */
export async function cleanup(stateFile: string, log: Log): Promise<void> {
  const state: LabState | undefined = fs.existsSync(stateFile) ? readLabState(stateFile) : undefined;
  const paths = harnessPaths(stateFile);
  const records = loadRecords(paths.podsDir);

  for (const record of records) killLeftovers(paths.podsDir, record.uid);
  const all = netnsList();
  const ours = state
    ? new Set([
        ...state.nodes.map((n) => n.netns),
        ...records.filter((r) => !r.hostNetwork).map((r) => r.netns),
      ])
    : new Set(all.filter((ns) => ns.startsWith(POD_NETNS_PREFIX) || NODE_NETNS.test(ns)));
  const namespaces = all.filter((ns) => ours.has(ns));
  for (const ns of namespaces) killInside(ns);
  await new Promise((r) => setTimeout(r, 100)); // let the kernel reap them before the namespaces go
  for (const ns of namespaces) await tryRun('ip', ['netns', 'del', ns]);

  const hostLinks = (runSync('ip', ['-o', 'link', 'show']) ?? '')
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
    .filter((name) => (state ? state.nodes.some((n) => nodeVethName(n) === name) : NODE_VETH.test(name)));
  for (const link of hostLinks) await tryRun('ip', ['link', 'del', link]);
  if (state)
    for (const node of state.nodes)
      await tryRun('ip', ['route', 'del', node.podCIDR, 'proto', HOST_ROUTE_PROTO]);
  else await tryRun('ip', ['route', 'flush', 'proto', HOST_ROUTE_PROTO]);

  for (const target of [paths.podsDir, paths.harnessDir, paths.podsFile])
    fs.rmSync(target, { recursive: true, force: true });
  log(
    `removed ${namespaces.length} namespaces, ${hostLinks.length} host veths, host routes and harness files`,
  );

  if (state) await cleanupApi(state, log);
}

async function cleanupApi(state: LabState, log: Log): Promise<void> {
  if (!fs.existsSync(state.kubeconfig)) return log('no kubeconfig: API objects skipped');
  let api: KubeClient | undefined;
  try {
    api = await KubeClient.fromKubeconfig(state.kubeconfig, 'lab');
    await api.request('GET', '/version', undefined, { timeoutMs: 2000 });
  } catch (e) {
    api?.close();
    return log(`API server not reachable (${(e as Error).message}): API objects skipped`);
  }
  try {
    for (const node of state.nodes)
      for (const path of [
        `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node.name}`,
        `/api/v1/nodes/${node.name}`,
      ])
        await api.request('DELETE', path, undefined, { timeoutMs: 3000 }).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
    // The CNI DaemonSets go with the last node of their style (another harness may still run some).
    const left = await api.request<{ items: { metadata: { labels?: Record<string, string> } }[] }>(
      'GET',
      `/api/v1/nodes?labelSelector=${encodeURIComponent(CNI_LABEL)}`,
    );
    const stylesLeft = new Set(left.items.map((n) => n.metadata.labels?.[CNI_LABEL]));
    await deleteCniObjects(api, stylesLeft as Set<CniStyle>);
    log(`deleted ${state.nodes.length} Node objects, their Leases and unused CNI DaemonSets`);
  } catch (e) {
    log(`API cleanup incomplete: ${(e as Error).message}`);
  } finally {
    api.close();
  }
}
