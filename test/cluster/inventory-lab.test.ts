import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createInventory,
  type Inventory,
  type InventoryChange,
} from '../../main/kube/inventory/inventory.js';
import { kubectl, kubectlJson, type LabState, labState } from '../helpers/lab.js';
import { interruptible, labKubeConfig } from './inventory-lab-kubeconfig.js';

const { lab, reason } = labState();
if (reason) console.warn(`inventory lab tests cannot run: ${reason}`);

const TEST_LABEL = 'clustertap.test/inventory';

interface KubePod {
  metadata: { namespace: string; name: string; uid: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; hostIP?: string };
}
interface KubeNode {
  metadata: { name: string };
  status: { addresses?: { type: string; address: string }[] };
}

/** A pod the lab runs (idle program), acceptable to the restricted Pod Security level. */
function testPod(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', labels: { [TEST_LABEL]: 'true' } },
    spec: {
      terminationGracePeriodSeconds: 0,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'idle',
          image: 'clustertap.lab/idle:1',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  });
}

const createPod = (l: LabState, name: string) => kubectl(l, ['apply', '-f', '-'], testPod(name));
const deletePod = (l: LabState, name: string) =>
  kubectl(l, ['delete', 'pod', '-n', 'shop', name, '--grace-period=0', '--force', '--ignore-not-found']);

/**
 * `npm run lab -- restart kube-apiserver` without blocking this process (labCommand is
 * synchronous: the inventory, in this process, would sleep through the outage).
 */
async function restartApiServer(): Promise<void> {
  const lab = path.join(import.meta.dirname, '../lab/lab.ts');
  await promisify(execFile)(process.execPath, ['--import', 'tsx', lab, 'restart', 'kube-apiserver'], {
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
}

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `namespace/name nodeName podIP phase` for every pod, as kubectl sees them. */
function kubectlPods(l: LabState): string[] {
  const pods = kubectlJson<{ items: KubePod[] }>(l, ['get', 'pods', '-A']).items;
  return pods
    .map(
      (p) =>
        `${p.metadata.namespace}/${p.metadata.name} ${p.spec.nodeName ?? ''} ${p.status.podIP ?? ''} ${p.status.phase}`,
    )
    .sort();
}

function inventoryPods(inventory: Inventory): string[] {
  return inventory
    .snapshot()
    .pods.map((p) => `${p.namespace}/${p.name} ${p.nodeName} ${p.podIPs[0] ?? ''} ${p.phase}`)
    .sort();
}

describe.skipIf(reason !== undefined)('inventory against the lab API server', () => {
  const l = lab as LabState;
  let net: ReturnType<typeof interruptible>;
  let inventory: Inventory;
  const changes: InventoryChange[] = [];

  beforeAll(async () => {
    kubectl(l, [
      'delete',
      'pods',
      '-n',
      'shop',
      '-l',
      TEST_LABEL,
      '--grace-period=0',
      '--force',
      '--ignore-not-found',
    ]);
    net = interruptible(labKubeConfig(l.kubeconfig, 'lab'));
    inventory = createInventory({
      kubeConfig: net.kubeConfig,
      batchMs: 20,
      // A 2 s first retry leaves a window in which the cluster changes while we are away.
      watch: { backoff: { initialMs: 2000, maxMs: 4000 } },
    });
    inventory.subscribe((batch) => changes.push(...batch));
    inventory.start();
    const status = await inventory.whenSettled();
    expect(Object.values(status).map((s) => s.lastError?.message)).toEqual([undefined, undefined, undefined]);
  });

  afterAll(() => {
    inventory?.stop();
    kubectl(l, [
      'delete',
      'pods',
      '-n',
      'shop',
      '-l',
      TEST_LABEL,
      '--grace-period=0',
      '--force',
      '--ignore-not-found',
    ]);
  });

  it('sees every node with its InternalIP and every pod with node, IP and phase, as kubectl does', async () => {
    const nodes = kubectlJson<{ items: KubeNode[] }>(l, ['get', 'nodes']).items;
    const expected = nodes
      .map(
        (n) =>
          `${n.metadata.name} ${n.status.addresses?.find((a) => a.type === 'InternalIP')?.address ?? ''}`,
      )
      .sort();
    expect(
      inventory
        .snapshot()
        .nodes.map((n) => `${n.name} ${n.internalIP}`)
        .sort(),
    ).toEqual(expected);
    for (const labNode of l.nodes)
      expect(inventory.snapshot().nodes.find((n) => n.name === labNode.name)).toMatchObject({
        internalIP: labNode.internalIP,
        podCIDRs: [labNode.podCIDR],
        labels: { 'clustertap.lab/cni': labNode.cni },
      });
    // Pods change as controllers work (shop rollouts): compare once both views agree.
    await until(
      () => JSON.stringify(inventoryPods(inventory)) === JSON.stringify(kubectlPods(l)),
      'pods as kubectl',
    );
    const shop = inventory.snapshot().pods.filter((p) => p.namespace === 'shop' && p.phase === 'Running');
    expect(shop.length).toBeGreaterThan(0);
    for (const p of shop) expect(p.podIPs[0]).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(inventory.snapshot().namespaces.map((n) => n.name)).toEqual(
      expect.arrayContaining(['default', 'kube-system', 'shop']),
    );
  });

  it('a pod created and deleted arrives as added, then modified (scheduled, IP), then deleted', async () => {
    changes.length = 0;
    createPod(l, 'inv-created');
    await until(
      () => inventory.snapshot().pods.some((p) => p.name === 'inv-created' && p.podIPs.length > 0),
      'IP',
    );
    const mine = () => changes.filter((c) => c.resource === 'pods' && c.key === 'shop/inv-created');
    expect(mine()[0]?.type).toBe('added');
    expect(mine().some((c) => c.type === 'modified')).toBe(true);
    deletePod(l, 'inv-created');
    await until(() => mine().at(-1)?.type === 'deleted', 'deleted');
  });

  it('network blip: says reconnecting, resumes, and catches up on what changed meanwhile', async () => {
    createPod(l, 'inv-blip-gone');
    await until(() => inventory.snapshot().pods.some((p) => p.name === 'inv-blip-gone'), 'inv-blip-gone');
    const before = inventory.status().pods.reconnects;
    net.block(true);
    net.cut();
    await until(() => inventory.status().pods.state === 'reconnecting', 'reconnecting');
    createPod(l, 'inv-blip-new');
    deletePod(l, 'inv-blip-gone');
    net.block(false);
    await until(
      () =>
        inventory.snapshot().pods.some((p) => p.name === 'inv-blip-new') &&
        !inventory.snapshot().pods.some((p) => p.name === 'inv-blip-gone'),
      'changes made during the blip',
    );
    await until(() => inventory.status().pods.state === 'watching', 'watching again');
    expect(inventory.status().pods.reconnects).toBeGreaterThan(before);
    expect(inventory.status().pods.lastError).toBeUndefined();
  });

  it('API server restart mid-watch: "reconnecting" with the reason, then watching again and current', async () => {
    const seen = new Set<string>();
    const off = inventory.subscribeStatus((s) => {
      if (s.pods.state === 'reconnecting' && s.pods.lastError)
        seen.add(`${s.pods.lastError.kind}: ${s.pods.lastError.message}`);
    });
    const reconnects = inventory.status().pods.reconnects;
    await restartApiServer();
    createPod(l, 'inv-after-restart');
    await until(
      () => inventory.snapshot().pods.some((p) => p.name === 'inv-after-restart'),
      'pod after restart',
      60_000,
    );
    await until(
      () => Object.values(inventory.status()).every((s) => s.state === 'watching'),
      'all watching',
      60_000,
    );
    off();
    expect(inventory.status().pods.reconnects).toBeGreaterThan(reconnects);
    expect([...seen].join('\n')).toMatch(/^unreachable: /m);
    await until(
      () => JSON.stringify(inventoryPods(inventory)) === JSON.stringify(kubectlPods(l)),
      'pods as kubectl',
    );
  });

  it('API server restart while we were cut off: its new watch cache says 410 Gone, we relist and converge', async () => {
    createPod(l, 'inv-restart-gone');
    await until(
      () => inventory.snapshot().pods.some((p) => p.name === 'inv-restart-gone'),
      'inv-restart-gone',
    );
    const relists = inventory.status().pods.relists;
    net.block(true);
    net.cut();
    createPod(l, 'inv-restart-new');
    deletePod(l, 'inv-restart-gone');
    // The restarted API server's watch cache starts at the newest version, so our older one is
    // "too old" (410 Gone): only a relist can tell us about the pod deleted meanwhile.
    await restartApiServer();
    net.block(false);
    await until(
      () =>
        inventory.snapshot().pods.some((p) => p.name === 'inv-restart-new') &&
        !inventory.snapshot().pods.some((p) => p.name === 'inv-restart-gone'),
      'changes made across the restart',
      60_000,
    );
    await until(
      () => Object.values(inventory.status()).every((s) => s.state === 'watching'),
      'all watching',
      60_000,
    );
    expect(inventory.status().pods.relists).toBeGreaterThan(relists);
    await until(
      () => JSON.stringify(inventoryPods(inventory)) === JSON.stringify(kubectlPods(l)),
      'pods as kubectl',
    );
  });
});

describe.skipIf(reason !== undefined)('inventory as lab-viewer (get/list/watch in shop only)', () => {
  const l = lab as LabState;

  it('namespaced mode: shop pods, and a clear forbidden status for nodes', async () => {
    const inventory = createInventory({
      kubeConfig: labKubeConfig(l.kubeconfig, 'lab-viewer'),
      namespaces: ['shop'],
    });
    inventory.start();
    try {
      const status = await inventory.whenSettled();
      expect(status.pods).toMatchObject({ synced: true, lastError: undefined });
      expect(status.namespaces).toMatchObject({ state: 'fixed', synced: true });
      expect(status.nodes).toMatchObject({ synced: false, state: 'reconnecting' });
      expect(status.nodes.lastError?.kind).toBe('forbidden');
      expect(status.nodes.lastError?.message).toMatch(
        /^cannot list nodes: forbidden: nodes is forbidden: User "[^"]+" cannot list resource "nodes" in API group "" at the cluster scope/,
      );
      const shop = kubectlJson<{ items: KubePod[] }>(l, ['get', 'pods', '-n', 'shop']).items;
      expect(
        inventory
          .snapshot()
          .pods.map((p) => p.name)
          .sort(),
      ).toEqual(shop.map((p) => p.metadata.name).sort());
    } finally {
      inventory.stop();
    }
  });

  it('cluster-wide mode: pods are forbidden too, and say so', async () => {
    const inventory = createInventory({ kubeConfig: labKubeConfig(l.kubeconfig, 'lab-viewer') });
    inventory.start();
    try {
      const status = await inventory.whenSettled();
      expect(status.pods.lastError?.message).toMatch(/^cannot list pods: forbidden: pods is forbidden/);
      expect(status.namespaces.lastError?.kind).toBe('forbidden');
    } finally {
      inventory.stop();
    }
  });
});
