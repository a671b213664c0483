import fs from 'node:fs';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { ensureCniDaemonSets } from './cni-daemonsets.js';
import {
  type CniStyle,
  harnessPaths,
  type LabNode,
  type Log,
  readLabState,
  writeFileAtomic,
} from './config.js';
import { Informer } from './informer.js';
import { allocateIp } from './ipam.js';
import { KubeClient } from './kube-client.js';
import { detachPod, ensureHostRoute, setupNodeCni, setupNodeNamespace } from './node-network.js';
import { NodeRegistration } from './node-registration.js';
import { killLeftovers, loadRecords, type PodRecord } from './pod-records.js';
import { PodWorker } from './pod-worker.js';

export const READY_LINE = 'kubelet harness ready';

/** Retries an API step while the API server comes up (or restarts). */
async function withRetry<T>(what: string, step: () => Promise<T>, log: Log, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(e as Error).message}`);
      if (attempt === 1 || attempt % 10 === 0) log(`${what}: ${(e as Error).message}; retrying`);
      await new Promise((r) => setTimeout(r, Math.min(2000, 200 * attempt)));
    }
  }
}

/**
 * The harness: sets up every node's namespace and CNI, registers the Nodes, then plays kubelet
 * for the pods bound to them (one PodWorker each). Returns a stop function for SIGTERM.
 */
export async function runHarness(stateFile: string, log: Log): Promise<() => Promise<void>> {
  const state = readLabState(stateFile);
  const paths = harnessPaths(stateFile);
  fs.mkdirSync(paths.podsDir, { recursive: true });
  fs.mkdirSync(paths.peersDir, { recursive: true });

  for (const node of state.nodes) {
    await setupNodeNamespace(node, state);
    await setupNodeCni(node, state);
    log(`node ${node.name}: namespace ${node.netns}, ${node.internalIP}, ${node.cni} (${node.podCIDR})`);
  }

  const routes = setInterval(() => {
    for (const node of state.nodes)
      ensureHostRoute(node, state).catch((e: Error) => log(`node ${node.name}: host route: ${e.message}`));
  }, 30_000);

  const api = await KubeClient.fromKubeconfig(state.kubeconfig, 'lab');
  const registrations = state.nodes.map((node) => new NodeRegistration(api, node, state, log));
  for (const r of registrations) {
    await withRetry('node registration', () => r.register(), log);
    r.start();
  }
  const styles = new Set<CniStyle>(state.nodes.map((n) => n.cni));
  const clusterCidr = `${state.nodes[0]?.podCIDR.split('.').slice(0, 2).join('.') ?? '10.244'}.0.0/16`;
  await withRetry('CNI DaemonSets', () => ensureCniDaemonSets(api, styles, clusterCidr, log), log);

  // Pod records of an earlier run: their IPs stay taken; their pods are adopted or cleaned up.
  const records = new Map(loadRecords(paths.podsDir).map((r) => [r.uid, r]));
  const leftovers = new Map(records);
  const workers = new Map<string, PodWorker>();
  // The last IP handed out per node (host-local IPAM's last_reserved_ip), for round-robin allocation.
  const lastIpsFile = path.join(paths.harnessDir, 'last-ips.json');
  const lastIps: Record<string, string> = fs.existsSync(lastIpsFile)
    ? (JSON.parse(fs.readFileSync(lastIpsFile, 'utf8')) as Record<string, string>)
    : {};

  let filesTimer: NodeJS.Timeout | undefined;
  const writeFiles = () => {
    clearTimeout(filesTimer);
    filesTimer = setTimeout(() => {
      const pods = [...records.values()].map(({ namespace, name, uid, node, ip, hostInterface, netns }) => ({
        namespace,
        name,
        uid,
        node,
        ip,
        hostInterface,
        netns,
      }));
      pods.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
      writeFileAtomic(paths.podsFile, `${JSON.stringify(pods, null, 2)}\n`);
      writePeers(paths.peersDir, workers);
    }, 100);
  };

  const deps = (node: LabNode, uid: string) => ({
    api,
    state,
    node,
    paths,
    log,
    existing: leftovers.get(uid),
    allocateIp: (forUid: string) => {
      const used = [...records.values()]
        .filter((r) => r.node === node.name && !r.hostNetwork)
        .map((r) => r.ip);
      const ip = allocateIp(node.podCIDR, used, lastIps[node.name]);
      if (!ip) throw new Error(`node ${node.name}: pod CIDR ${node.podCIDR} is full`);
      lastIps[node.name] = ip;
      writeFileAtomic(lastIpsFile, JSON.stringify(lastIps));
      records.set(forUid, { uid: forUid, node: node.name, ip, hostNetwork: false } as PodRecord);
      return ip;
    },
    changed: (changedUid: string, record: PodRecord | undefined) => {
      if (record) records.set(changedUid, record);
      else records.delete(changedUid);
      writeFiles();
    },
  });

  const onPod = (node: LabNode) => (type: string, pod: V1Pod) => {
    const uid = pod.metadata?.uid ?? '';
    const worker = workers.get(uid);
    if (type === 'DELETED') {
      if (worker) void worker.terminate(false).finally(() => workers.delete(uid));
      return;
    }
    if (worker) return worker.update(pod);
    const w = new PodWorker(pod, deps(node, uid));
    workers.set(uid, w);
    leftovers.delete(uid);
    if (pod.metadata?.deletionTimestamp) void w.terminate(true).finally(() => workers.delete(uid));
    else w.start().catch((e: Error) => log(`${w.label}: start failed: ${e.message}`));
  };

  const informers = state.nodes.map(
    (node) =>
      new Informer<V1Pod>(
        api,
        '/api/v1/pods',
        { fieldSelector: `spec.nodeName=${node.name}` },
        onPod(node),
        log,
      ),
  );
  for (const i of informers) i.start();
  await withRetry('pod list', () => Promise.all(informers.map((i) => i.hasSynced())), log);

  // Sandboxes whose pods no longer exist (deleted while the harness was down).
  for (const [uid, record] of leftovers) {
    if (workers.has(uid)) continue;
    killLeftovers(paths.podsDir, uid);
    if (!record.hostNetwork) await detachPod(record.nodeNetns, record.netns, record.hostInterface);
    fs.rmSync(path.join(paths.podsDir, uid), { recursive: true, force: true });
    records.delete(uid);
    log(`removed the sandbox of ${record.namespace}/${record.name}: the pod is gone`);
  }
  leftovers.clear();
  writeFiles();
  process.stdout.write(`${READY_LINE}\n`);

  return async () => {
    clearInterval(routes);
    for (const i of informers) i.stop();
    for (const r of registrations) r.stop();
    await Promise.all([...workers.values()].map((w) => w.shutdown(3000)));
    api.close();
  };
}

/** /etc/clustertap-lab/peers.json for the lab programs: pods by app label, with IP and readiness. */
function writePeers(dir: string, workers: Map<string, PodWorker>): void {
  const pods = [...workers.values()]
    .filter((w) => w.record && !w.record.hostNetwork)
    .map((w) => ({
      namespace: w.record?.namespace,
      name: w.record?.name,
      app: w.labels.app ?? w.labels['app.kubernetes.io/name'] ?? null,
      ip: w.record?.ip,
      node: w.record?.node,
      ready: w.ready,
    }))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const file = path.join(dir, 'peers.json');
  const text = `${JSON.stringify({ pods }, null, 2)}\n`;
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) writeFileAtomic(file, text);
}
