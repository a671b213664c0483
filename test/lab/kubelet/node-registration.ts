import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import {
  CNI_LABEL,
  type HarnessNode,
  kubeMicroTime,
  kubeTime,
  type LabNode,
  type LabState,
  type Log,
  RUNTIME_VERSION,
} from './config.js';
import { isNotFound, type KubeClient } from './kube-client.js';
import { vtepMac } from './naming.js';
import { VXLAN, vtepIp } from './node-network.js';

const LEASE_SECONDS = 40;
const CONDITION_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];
const LEASE_RENEW_MS = 10_000;
/** Like kubelet's nodeStatusReportFrequency (5 min), shorter: the app sees heartbeats move. */
const STATUS_REPORT_MS = 60_000;

const arch = () => ({ x64: 'amd64', arm64: 'arm64' })[process.arch as string] ?? process.arch;

function osImage(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

const fakeId = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 32);

/** The annotations the real CNIs put on their nodes (Calico's node controller, flanneld's kube subnet manager). */
export function cniAnnotations(node: LabNode): Record<string, string> {
  if (node.cni === 'calico')
    return {
      'projectcalico.org/IPv4Address': `${node.internalIP}/24`,
      'projectcalico.org/IPv4VXLANTunnelAddr': vtepIp(node),
    };
  return {
    'flannel.alpha.coreos.com/backend-type': 'vxlan',
    'flannel.alpha.coreos.com/backend-data': JSON.stringify({
      VNI: VXLAN.flannel.vni,
      VtepMAC: vtepMac('flannel', node.name),
    }),
    'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
    'flannel.alpha.coreos.com/public-ip': node.internalIP,
  };
}

export function nodeObject(node: LabNode) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': arch(),
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': arch(),
        [CNI_LABEL]: node.cni,
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        ...cniAnnotations(node),
      },
    },
    spec: {
      podCIDR: node.podCIDR,
      podCIDRs: [node.podCIDR],
      ...((node as HarnessNode).taints ? { taints: (node as HarnessNode).taints } : {}),
    },
  };
}

export function nodeStatus(node: LabNode, kubeletVersion: string, since: string, now: string) {
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: since,
  });
  const resources = { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '20Gi' };
  return {
    addresses: [
      { type: 'InternalIP', address: node.internalIP },
      { type: 'Hostname', address: node.name },
    ],
    capacity: resources,
    allocatable: resources,
    conditions: [
      condition(
        'NetworkUnavailable',
        'False',
        node.cni === 'calico' ? 'CalicoIsUp' : 'FlannelIsUp',
        `${node.cni} is running on this node`,
      ),
      condition(
        'MemoryPressure',
        'False',
        'KubeletHasSufficientMemory',
        'kubelet has sufficient memory available',
      ),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status (clustertap lab harness)'),
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: fakeId(`machine/${node.name}`),
      systemUUID: fakeId(`system/${node.name}`),
      bootID: fakeId(`boot/${node.name}/${since}`),
      kernelVersion: os.release(),
      osImage: osImage(),
      containerRuntimeVersion: RUNTIME_VERSION,
      kubeletVersion,
      operatingSystem: 'linux',
      architecture: arch(),
    },
  };
}

/** The kubelet version the lab's control plane was built at (from its bin dir name). */
export const kubeletVersion = (state: LabState) =>
  /k8s-(v\d+\.\d+\.\d+)/.exec(state.binDir)?.[1] ?? 'v1.0.0-lab';

/** Registers one Node and keeps it alive: Lease renewals every 10 s, a status report every minute. */
export class NodeRegistration {
  private readonly since = kubeTime();
  private timer: NodeJS.Timeout | undefined;
  private lastStatus = 0;

  constructor(
    private readonly api: KubeClient,
    private readonly node: LabNode,
    private readonly state: LabState,
    private readonly log: Log,
  ) {}

  async register(): Promise<void> {
    const path = `/api/v1/nodes/${this.node.name}`;
    const wanted = nodeObject(this.node);
    try {
      const existing = await this.api.request<{ spec?: { podCIDR?: string } }>('GET', path);
      if (existing.spec?.podCIDR && existing.spec.podCIDR !== this.node.podCIDR) {
        // podCIDR is immutable: a Node left from an earlier lab with other CIDRs is replaced.
        await this.api.request('DELETE', path);
        await this.api.request('POST', '/api/v1/nodes', wanted);
      } else await this.api.mergePatch(path, wanted);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.api.request('POST', '/api/v1/nodes', wanted);
    }
    await this.reportStatus();
    await this.renewLease();
  }

  start(): void {
    this.timer = setInterval(() => void this.beat(), LEASE_RENEW_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    try {
      await this.renewLease();
      if (Date.now() - this.lastStatus >= STATUS_REPORT_MS) await this.reportStatus();
    } catch (e) {
      if (isNotFound(e)) {
        this.log(`node ${this.node.name}: Node object gone; registering again`);
        await this.register().catch((err: Error) => this.log(`node ${this.node.name}: ${err.message}`));
      } else this.log(`node ${this.node.name}: heartbeat failed: ${(e as Error).message}`);
    }
  }

  private async reportStatus(): Promise<void> {
    const status = nodeStatus(this.node, kubeletVersion(this.state), this.since, kubeTime());
    const node = await this.api.mergePatch<{ spec?: { taints?: { key: string }[] } }>(
      `/api/v1/nodes/${this.node.name}/status`,
      { status },
    );
    this.lastStatus = Date.now();
    // The TaintNodesByCondition admission plugin gives every new Node the not-ready taint; the
    // node-lifecycle controller that would lift it once Ready is off in the lab, so we lift it.
    const taints = node.spec?.taints ?? [];
    const kept = taints.filter((t) => !CONDITION_TAINTS.includes(t.key));
    if (kept.length !== taints.length)
      await this.api.mergePatch(`/api/v1/nodes/${this.node.name}`, { spec: { taints: kept } });
  }

  private async renewLease(): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${this.node.name}`;
    const spec = {
      holderIdentity: this.node.name,
      leaseDurationSeconds: LEASE_SECONDS,
      renewTime: kubeMicroTime(),
    };
    try {
      await this.api.mergePatch(path, { spec });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const node = await this.api.request<{ metadata: { uid: string } }>(
        'GET',
        `/api/v1/nodes/${this.node.name}`,
      );
      await this.api.request('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.node.name,
          namespace: 'kube-node-lease',
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.node.name, uid: node.metadata.uid }],
        },
        spec,
      });
    }
  }
}
