import { describe, expect, it } from 'vitest';
import {
  Interner,
  sameRecord,
  toNamespaceRecord,
  toNodeRecord,
  toPodRecord,
} from '../../main/kube/inventory/records.js';

const strings = new Interner();

/** Trimmed from `kubectl get pod -o json` of a Deployment's pod on a dual-stack cluster. */
const deploymentPod = {
  metadata: {
    name: 'web-5d9c7b8f4-x2x9q',
    namespace: 'shop',
    uid: '3f2a9c1e-0000-4000-8000-000000000001',
    resourceVersion: '1234',
    labels: { app: 'web', 'pod-template-hash': '5d9c7b8f4' },
    annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d9c7b8f4', controller: true }],
    managedFields: [{ manager: 'kube-controller-manager', operation: 'Update' }],
  },
  spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'nginx' }] },
  status: {
    phase: 'Running',
    hostIP: '192.168.50.11',
    podIP: '10.244.1.7',
    podIPs: [{ ip: '10.244.1.7' }, { ip: 'fd00:10:244:1::7' }],
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'True' },
    ],
  },
};

describe('compact records', () => {
  it('keeps what the user selects by and the agent taps by, and names the Deployment', () => {
    expect(toPodRecord(deploymentPod, strings)).toEqual({
      uid: '3f2a9c1e-0000-4000-8000-000000000001',
      namespace: 'shop',
      name: 'web-5d9c7b8f4-x2x9q',
      labels: { app: 'web', 'pod-template-hash': '5d9c7b8f4' },
      nodeName: 'node-1',
      podIPs: ['10.244.1.7', 'fd00:10:244:1::7'],
      hostIP: '192.168.50.11',
      phase: 'Running',
      ready: true,
      ownerKind: 'Deployment',
      ownerName: 'web',
      hostNetwork: false,
    });
  });

  it('a pending pod: no node, no IP, not ready; a bare ReplicaSet stays a ReplicaSet', () => {
    const record = toPodRecord(
      {
        metadata: {
          name: 'rs-abc',
          namespace: 'ns',
          ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', controller: true }],
        },
        status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] },
      },
      strings,
    );
    expect(record).toMatchObject({ nodeName: '', podIPs: [], hostIP: '', phase: 'Pending', ready: false });
    expect(record).toMatchObject({ ownerKind: 'ReplicaSet', ownerName: 'rs' });
  });

  it('host-network pods are flagged (nothing to tap) and a single podIP is used without podIPs', () => {
    const record = toPodRecord(
      {
        metadata: {
          name: 'calico-node-x',
          namespace: 'kube-system',
          ownerReferences: [{ kind: 'DaemonSet', name: 'calico-node' }],
        },
        spec: { nodeName: 'n', hostNetwork: true },
        status: { podIP: '192.168.50.11' },
      },
      strings,
    );
    expect(record).toMatchObject({ hostNetwork: true, podIPs: ['192.168.50.11'], ownerKind: 'DaemonSet' });
  });

  it('nodes keep the CNI annotations only, the InternalIP and pod CIDRs', () => {
    const record = toNodeRecord(
      {
        metadata: {
          name: 'node-1',
          labels: { 'kubernetes.io/os': 'linux' },
          annotations: {
            'projectcalico.org/IPv4Address': '192.168.50.11/24',
            'projectcalico.org/IPv4VXLANTunnelAddr': '10.244.1.0',
            'node.alpha.kubernetes.io/ttl': '0',
            'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
          },
        },
        spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] },
        status: {
          addresses: [
            { type: 'Hostname', address: 'node-1' },
            { type: 'InternalIP', address: '192.168.50.11' },
          ],
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      },
      strings,
    );
    expect(record).toEqual({
      name: 'node-1',
      internalIP: '192.168.50.11',
      podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'],
      labels: { 'kubernetes.io/os': 'linux' },
      annotations: {
        'projectcalico.org/IPv4Address': '192.168.50.11/24',
        'projectcalico.org/IPv4VXLANTunnelAddr': '10.244.1.0',
      },
      ready: true,
    });
  });

  it('namespaces: name, phase, labels', () => {
    expect(
      toNamespaceRecord(
        { metadata: { name: 'shop', labels: { team: 'a' } }, status: { phase: 'Terminating' } },
        strings,
      ),
    ).toEqual({ name: 'shop', phase: 'Terminating', labels: { team: 'a' } });
  });

  it('records compare by content, so a status-only update of a field we drop is no change', () => {
    const a = toPodRecord(deploymentPod, strings);
    const b = toPodRecord(
      { ...deploymentPod, metadata: { ...deploymentPod.metadata, resourceVersion: '9' } },
      strings,
    );
    expect(sameRecord(a, b)).toBe(true);
    const c = toPodRecord(
      { ...deploymentPod, status: { ...deploymentPod.status, phase: 'Failed' } },
      strings,
    );
    expect(sameRecord(a, c)).toBe(false);
    expect(sameRecord({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
  });
});
