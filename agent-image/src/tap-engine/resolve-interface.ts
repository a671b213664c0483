import { batchShow, type Exec } from './exec.js';
import { type FdbEntry, type LinkInfo, parseFdb, parseNeighbours, parseRouteGet } from './iproute-json.js';

export type Resolution =
  | { ok: true; iface: string; via: 'route' | 'bridge' }
  | { ok: false; state: 'waiting' | 'failed'; message: string };

/** Kinds of device a pod's host side can be: a veth (or Cilium's netkit) end. */
const POD_LINK_KINDS = new Set(['veth', 'netkit']);

/** What one call looked up once for all pods. */
export interface NodeView {
  links: Map<string, LinkInfo>;
  /** Tunnel devices (ours or another session's) are never a pod interface: mirroring them loops. */
  isOurDevice(name: string): boolean;
  /** Bridge FDBs, read at most once per view. */
  fdb: Map<string, Promise<FdbEntry[]>>;
}

/**
 * Finds the host-side interface of each pod IP, without sending a packet; all routes in one
 * batch, all neighbour look-ups in another. Routed CNIs (Calico): the route to the pod names its
 * veth (`cali…`). Bridged CNIs (Flannel's cni0): the route names the bridge; the neighbour entry
 * gives the pod's MAC and the bridge's forwarding database the port it was learned on. Until the
 * node has a neighbour entry for the pod the answer is `waiting`: we do not ping the pod.
 */
export async function resolveHostInterfaces(
  exec: Exec,
  view: NodeView,
  podIPs: readonly string[],
): Promise<Resolution[]> {
  const routes = await batchShow(
    exec,
    'ip',
    podIPs.map((ip) => ['route', 'get', ip]),
    ['-j'],
  );
  const results: (Resolution | { bridge: string })[] = podIPs.map((ip, i) =>
    viaRoute(view, ip, routes[i] ?? ''),
  );
  const bridged = results.flatMap((r, i) =>
    'bridge' in r ? [{ i, ip: podIPs[i] as string, bridge: r.bridge }] : [],
  );
  const neighbours = await batchShow(
    exec,
    'ip',
    bridged.map((b) => ['neigh', 'show', b.ip, 'dev', b.bridge]),
    ['-j'],
  );
  await Promise.all(
    bridged.map(async (b, k) => {
      results[b.i] = await viaBridge(exec, view, b.ip, b.bridge, neighbours[k] ?? '');
    }),
  );
  return results as Resolution[];
}

function viaRoute(view: NodeView, podIP: string, output: string | Error): Resolution | { bridge: string } {
  let route: ReturnType<typeof parseRouteGet>;
  try {
    if (output instanceof Error) throw output;
    route = parseRouteGet(output);
  } catch (error) {
    return failed(`no route to pod IP ${podIP} on this node: ${(error as Error).message}`);
  }
  if (!route?.dev) return failed(`the route to ${podIP} names no device`);
  if (route.type !== 'unicast')
    return failed(
      `${podIP} is a ${route.type} address of this node (host network?): no pod interface to tap`,
    );
  // A pod on this node is on a link of its own (routed) or of the bridge: never behind a router.
  if (route.gateway)
    return failed(
      `the route to ${podIP} goes through gateway ${route.gateway} (${route.dev}): is the pod on this node?`,
    );
  if (view.links.get(route.dev)?.kind === 'bridge') return { bridge: route.dev };
  return podLink(view, route.dev, `the route to ${podIP}`, 'route');
}

async function viaBridge(
  exec: Exec,
  view: NodeView,
  podIP: string,
  bridge: string,
  neighbours: string | Error,
): Promise<Resolution> {
  let mac: string | undefined;
  try {
    if (neighbours instanceof Error) throw neighbours;
    mac = parseNeighbours(neighbours).find(
      (n) => n.lladdr && !n.state.some((s) => s === 'FAILED' || s === 'INCOMPLETE'),
    )?.lladdr;
  } catch (error) {
    return failed(`reading the neighbour entry of ${podIP} on ${bridge}: ${(error as Error).message}`);
  }
  if (!mac)
    return {
      ok: false,
      state: 'waiting',
      message: `waiting for a neighbour entry for ${podIP} on ${bridge} (the node has not exchanged traffic with the pod yet)`,
    };
  let fdb = view.fdb.get(bridge);
  if (!fdb) {
    fdb = exec('bridge', ['-j', 'fdb', 'show', 'br', bridge]).then(parseFdb);
    view.fdb.set(bridge, fdb);
  }
  let entries: FdbEntry[];
  try {
    entries = await fdb;
  } catch (error) {
    return failed(`reading the forwarding database of ${bridge}: ${(error as Error).message}`);
  }
  const lower = mac.toLowerCase();
  // Learned entries of ports: not the bridge's own (`self`) ones.
  const port = entries.find(
    (e) => e.mac.toLowerCase() === lower && e.ifname && e.ifname !== bridge && !e.flags.includes('self'),
  )?.ifname;
  if (!port)
    return {
      ok: false,
      state: 'waiting',
      message: `waiting for ${bridge} to learn the port of ${podIP} (MAC ${mac}): no forwarding entry yet`,
    };
  return podLink(view, port, `${bridge}'s forwarding entry for ${podIP}`, 'bridge');
}

function podLink(view: NodeView, name: string, source: string, via: 'route' | 'bridge'): Resolution {
  if (view.isOurDevice(name)) return failed(`${source} names ${name}, a ClusterTap tunnel device`);
  const link = view.links.get(name);
  if (!link) return failed(`${source} names ${name}, which this node does not list`);
  if (!link.kind || !POD_LINK_KINDS.has(link.kind))
    return failed(
      `${source} leaves through ${name} (${link.kind ?? 'a physical device'}), not a pod's veth or a bridge: ` +
        'is the pod on this node?',
    );
  return { ok: true, iface: name, via };
}

const failed = (message: string): Resolution => ({ ok: false, state: 'failed', message });
