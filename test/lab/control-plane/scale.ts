import { AdminClient, inParallel } from './api-client.js';
import type { LabPki } from './pki.js';

/**
 * Scale mode: Node and Pod objects without network namespaces, to measure the app's inventory.
 * Fake nodes are tainted so nothing real gets scheduled there, and labelled so the harness ignores them.
 */
export const FAKE_LABEL = 'clustertap.lab/fake';
const FAKE_NAMESPACES = 20;

const fakeNodeName = (i: number) => `fake-node-${String(i + 1).padStart(4, '0')}`;

function fakeNode(i: number) {
  const third = Math.floor(i / 250);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: fakeNodeName(i),
      labels: {
        [FAKE_LABEL]: 'true',
        'kubernetes.io/hostname': fakeNodeName(i),
        'kubernetes.io/os': 'linux',
      },
    },
    spec: {
      podCIDR: `10.${100 + third}.${i % 250}.0/24`,
      taints: [{ key: FAKE_LABEL, value: 'true', effect: 'NoSchedule' }],
    },
  };
}

function fakePod(i: number, nodes: number) {
  const node = i % nodes;
  const namespace = `fake-${i % FAKE_NAMESPACES}`;
  return {
    namespace,
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `fake-pod-${i}`,
        namespace,
        labels: { [FAKE_LABEL]: 'true', app: `app-${i % 50}`, tier: i % 3 === 0 ? 'web' : 'backend' },
      },
      spec: {
        nodeName: fakeNodeName(node),
        containers: [{ name: 'main', image: 'clustertap.lab/fake:1' }],
        tolerations: [{ key: FAKE_LABEL, operator: 'Exists' }],
      },
    },
    podIP: `10.${100 + Math.floor(node / 250)}.${node % 250}.${2 + Math.floor(i / nodes)}`,
  };
}

export async function createFakeObjects(
  server: string,
  pki: LabPki,
  nodes: number,
  pods: number,
  log: (line: string) => void,
): Promise<void> {
  const api = new AdminClient(server, pki);
  try {
    await inParallel(
      nodes,
      16,
      async (i) => {
        await api.request('POST', '/api/v1/nodes', fakeNode(i)).catch(ignoreExists);
        // Ready with an address, as a real node reports itself (and as the inventory reads it).
        await api.request(
          'PATCH',
          `/api/v1/nodes/${fakeNodeName(i)}/status`,
          {
            status: {
              addresses: [{ type: 'InternalIP', address: `172.31.${Math.floor(i / 250)}.${(i % 250) + 1}` }],
              conditions: [{ type: 'Ready', status: 'True', reason: 'FakeNode', message: 'lab scale mode' }],
            },
          },
          'application/merge-patch+json',
        );
      },
      (n) => log(`fake nodes: ${n}/${nodes}`),
    );
    for (let ns = 0; ns < Math.min(FAKE_NAMESPACES, pods); ns++)
      await api
        .request('POST', '/api/v1/namespaces', {
          metadata: { name: `fake-${ns}`, labels: { [FAKE_LABEL]: 'true' } },
        })
        .catch(ignoreExists);
    await inParallel(
      pods,
      32,
      async (i) => {
        const pod = fakePod(i, nodes);
        const path = `/api/v1/namespaces/${pod.namespace}/pods`;
        await api.request('POST', path, pod.body).catch(ignoreExists);
        // Give each pod the status a running pod has, so list sizes are realistic.
        await api.request(
          'PATCH',
          `${path}/${pod.body.metadata.name}/status`,
          { status: { phase: 'Running', podIP: pod.podIP, podIPs: [{ ip: pod.podIP }] } },
          'application/merge-patch+json',
        );
      },
      (n) => log(`fake pods: ${n}/${pods}`),
    );
  } finally {
    api.close();
  }
}

function ignoreExists(error: Error): void {
  if (!/: 409 /.test(error.message)) throw error;
}
