import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kubectlJson, type LabState, labCommand, labState } from '../helpers/lab.js';

const { lab, reason } = labState();
if (reason) console.warn(`lab CLI tests cannot run: ${reason}`);

interface StatusJson {
  nodes: { name: string; netns: string; internalIP: string; cni: string }[];
  pods: { namespace: string; name: string; node: string; ip: string; hostInterface: string | null }[];
}

describe.skipIf(reason !== undefined)('npm run lab -- up|status (the lab as users script it)', () => {
  const l = lab as LabState;

  it('status --json lists every node and every pod the harness runs, with its host-side interface', () => {
    const status = JSON.parse(labCommand(['status', '--json'])) as StatusJson;
    expect(status.nodes.map((n) => Object.keys(n).sort())).toEqual(
      l.nodes.map(() => ['cni', 'internalIP', 'name', 'netns']),
    );
    expect(status.nodes.map((n) => n.name)).toEqual(l.nodes.map((n) => n.name));
    const shop = kubectlJson<{
      items: { metadata: { name: string }; spec: { nodeName: string }; status: { podIP: string } }[];
    }>(l, ['get', 'pods', '-n', 'shop']);
    expect(shop.items.length).toBeGreaterThan(0);
    for (const pod of shop.items) {
      const entry = status.pods.find((p) => p.namespace === 'shop' && p.name === pod.metadata.name);
      expect(entry, pod.metadata.name).toMatchObject({ node: pod.spec.nodeName, ip: pod.status.podIP });
      const style = l.nodes.find((n) => n.name === pod.spec.nodeName)?.cni;
      // Calico: cali + 11 hex of sha1("<ns>.<pod>"); Flannel: veth* on cni0.
      expect(entry?.hostInterface).toMatch(style === 'calico' ? /^cali[0-9a-f]{11}$/ : /^veth[0-9a-f]{8}$/);
    }
  });

  it('up again is idempotent: the same lab, no process restarted, the same two lines', () => {
    const pidsBefore = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet'].map(
      (n) => labPid(n),
    );
    const out = labCommand(['up']);
    expect(out).toBe(`KUBECONFIG=${l.kubeconfig}\nKUBECTL=${l.kubectl}\n`);
    const pidsAfter = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet'].map(
      (n) => labPid(n),
    );
    expect(pidsAfter).toEqual(pidsBefore);
  });
});

function labPid(name: string): string {
  const dir = process.env.CLUSTERTAP_LAB_DIR ?? '/tmp/clustertap-lab';
  return fs.readFileSync(`${dir}/${name}.pid`, 'utf8');
}
