import { describe, expect, it } from 'vitest';
import { detectClusterCni } from '../../main/kube/cni/cluster-cni.js';
import { describeCni } from '../../main/kube/cni/detect-cni.js';
import { createInventory } from '../../main/kube/inventory/inventory.js';
import { type LabState, labState } from '../helpers/lab.js';
import { labKubeConfig } from './inventory-lab-kubeconfig.js';

const { lab, reason } = labState();
if (reason) console.warn(`CNI detection lab tests cannot run: ${reason}`);

describe.skipIf(reason !== undefined)('CNI detection against the lab', () => {
  const l = lab as LabState;

  it('names each lab node by the CNI the lab gave it, with evidence, and says the cluster is mixed', async () => {
    const kubeConfig = labKubeConfig(l.kubeconfig, 'lab');
    const inventory = createInventory({ kubeConfig });
    inventory.start();
    try {
      const result = await detectClusterCni({ kubeConfig, inventory });
      console.log(describeCni(result).join('\n'));
      for (const labNode of l.nodes) {
        const found = result.nodes.find((n) => n.node === labNode.name);
        expect(found).toMatchObject({ cni: labNode.cni, supported: true });
        expect(found?.evidence.join('\n')).toMatch(
          labNode.cni === 'calico' ? /projectcalico\.org\// : /flannel\.alpha\.coreos\.com\//,
        );
        expect(found?.evidence.join('\n')).toMatch(
          /DaemonSet (kube-system\/calico-node|kube-flannel\/kube-flannel-ds)/,
        );
      }
      const cnis = new Set(l.nodes.map((n) => n.cni));
      if (cnis.size > 1)
        expect(result.warnings.some((w) => w.startsWith('Nodes run different CNIs'))).toBe(true);
    } finally {
      inventory.stop();
    }
  });

  it('lab-viewer: cannot see nodes or DaemonSets, and the warning says why', async () => {
    const kubeConfig = labKubeConfig(l.kubeconfig, 'lab-viewer');
    const inventory = createInventory({ kubeConfig, namespaces: ['shop'] });
    inventory.start();
    try {
      const result = await detectClusterCni({ kubeConfig, inventory });
      expect(result.supported).toBe(false);
      expect(result.warning).toMatch(/CNI detection is incomplete: cannot list nodes: forbidden/);
      expect(result.warning).toMatch(/cannot list DaemonSets: forbidden/);
    } finally {
      inventory.stop();
    }
  });
});
