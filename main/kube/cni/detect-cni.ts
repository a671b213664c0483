import type { NodeRecord, PodRecord } from '../inventory/records.js';
import { type CniKind, type CniSignature, cniSignatures, supportedKinds } from './cni-signatures.js';
import { type DaemonSetRecord, daemonSetTargets } from './daemonsets.js';

/**
 * Which CNI runs on each node, from every clue we can get, each clue written down as evidence
 * the user can check. Pure: the caller brings nodes, DaemonSets, pods and (from agents) devices.
 */

export type NodeCniKind = CniKind | 'unknown';

export interface NodeCni {
  node: string;
  cni: NodeCniKind;
  /** "Calico", "Weave Net", "unknown". */
  product: string;
  /** What we saw, in words: "DaemonSet calico-system/calico-node runs pod calico-node-x8k2 here". */
  evidence: string[];
  supported: boolean;
}

export interface ClusterCni {
  nodes: NodeCni[];
  /** "Calico on 2 nodes, Flannel on 1 node". */
  summary: string;
  /** Every node's CNI is one we support. */
  supported: boolean;
  /** One sentence per problem: unsupported, unknown, mixed, missing permissions. */
  warnings: string[];
  /** The warnings as one string, or undefined when there is nothing to warn about. */
  warning: string | undefined;
}

export interface CniInput {
  nodes: readonly Pick<NodeRecord, 'name' | 'labels' | 'annotations'>[];
  daemonSets: readonly DaemonSetRecord[];
  pods?: readonly Pick<PodRecord, 'namespace' | 'name' | 'nodeName' | 'ownerKind' | 'ownerName'>[];
  /** Interface names per node, as the agents report them. */
  devices?: Readonly<Record<string, readonly string[]>>;
  /** Why an input is missing (e.g. "cannot list nodes: forbidden: …"); ends up in the warning. */
  problems?: readonly string[];
}

/** How much a clue counts; a pod of the CNI's DaemonSet on the node is the strongest. */
const weight = { pod: 3, daemonSet: 2, annotation: 2, device: 2, weakDevice: 1 } as const;

interface Score {
  signature: CniSignature;
  points: number;
  evidence: string[];
}

function isCniDaemonSet(signature: CniSignature, ds: Pick<DaemonSetRecord, 'namespace' | 'name' | 'images'>) {
  if (
    signature.daemonSets.test(ds.name) &&
    (!signature.namespaces || signature.namespaces.includes(ds.namespace))
  )
    return true;
  return signature.images !== undefined && ds.images.some((image) => signature.images?.test(image));
}

function list(items: readonly string[], max = 3): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

type CniPod = NonNullable<CniInput['pods']>[number];

/** DaemonSet pods by node, built once: 10k pods × 500 nodes must not be a nested loop. */
function daemonPodsByNode(pods: CniInput['pods']): Map<string, CniPod[]> {
  const byNode = new Map<string, CniPod[]>();
  for (const pod of pods ?? []) {
    if (pod.ownerKind !== 'DaemonSet' || !pod.nodeName) continue;
    const here = byNode.get(pod.nodeName);
    if (here) here.push(pod);
    else byNode.set(pod.nodeName, [pod]);
  }
  return byNode;
}

function scoreNode(node: CniInput['nodes'][number], input: CniInput, podsHere: readonly CniPod[]): Score[] {
  const scores: Score[] = [];
  const devices = input.devices?.[node.name] ?? [];
  for (const signature of cniSignatures) {
    const score: Score = { signature, points: 0, evidence: [] };
    for (const ds of input.daemonSets) {
      if (!isCniDaemonSet(signature, ds)) continue;
      const pod = podsHere.find((p) => p.namespace === ds.namespace && p.ownerName === ds.name);
      if (pod) {
        score.points += weight.pod;
        score.evidence.push(`DaemonSet ${ds.namespace}/${ds.name} runs pod ${pod.name} here`);
      } else if (daemonSetTargets(ds, node.labels)) {
        score.points += weight.daemonSet;
        score.evidence.push(`DaemonSet ${ds.namespace}/${ds.name} targets this node`);
      }
    }
    const keys = Object.keys(node.annotations).filter((key) =>
      signature.annotationPrefixes?.some((prefix) => key.startsWith(prefix)),
    );
    if (keys.length) {
      score.points += weight.annotation;
      score.evidence.push(`node annotations ${list(keys)}`);
    }
    const strong = devices.filter((d) => signature.devices?.test(d));
    const weak = devices.filter((d) => signature.weakDevices?.test(d));
    if (strong.length) score.points += weight.device;
    else if (weak.length) score.points += weight.weakDevice;
    if (strong.length || weak.length) score.evidence.push(`devices ${list([...strong, ...weak])}`);
    if (score.points > 0) scores.push(score);
  }
  return scores;
}

/** Ties go to the CNI listed first; Cilium wins outright, since its eBPF datapath acts before our tc hooks. */
function pick(scores: Score[]): Score | undefined {
  const cilium = scores.find((s) => s.signature.kind === 'cilium');
  if (cilium) return cilium;
  return scores.reduce<Score | undefined>(
    (best, s) => (best === undefined || s.points > best.points ? s : best),
    undefined,
  );
}

export function detectNodeCni(
  node: CniInput['nodes'][number],
  input: CniInput,
  podsByNode = daemonPodsByNode(input.pods),
): NodeCni {
  const scores = scoreNode(node, input, podsByNode.get(node.name) ?? []);
  const winner = pick(scores);
  if (!winner) return { node: node.name, cni: 'unknown', product: 'unknown', evidence: [], supported: false };
  const others = scores.filter((s) => s !== winner && s.signature.product !== winner.signature.product);
  const evidence = [
    ...winner.evidence,
    ...others.map((s) => `also seen: ${s.signature.product} (${s.evidence.join('; ')})`),
  ];
  return {
    node: node.name,
    cni: winner.signature.kind,
    product: winner.signature.product,
    evidence,
    supported: supportedKinds.has(winner.signature.kind),
  };
}

function countNodes(n: number): string {
  return `${n} node${n === 1 ? '' : 's'}`;
}

export function detectCni(input: CniInput): ClusterCni {
  const podsByNode = daemonPodsByNode(input.pods);
  const nodes = input.nodes.map((node) => detectNodeCni(node, input, podsByNode));
  const byProduct = new Map<string, NodeCni[]>();
  for (const result of nodes)
    byProduct.set(result.product, [...(byProduct.get(result.product) ?? []), result]);
  const groups = [...byProduct.entries()].sort((a, b) => b[1].length - a[1].length);
  const summary = nodes.length
    ? groups.map(([product, members]) => `${product} on ${countNodes(members.length)}`).join(', ')
    : 'no nodes visible';

  const warnings: string[] = [];
  const names = (members: NodeCni[]) => list(members.map((m) => m.node));
  for (const [product, members] of groups) {
    const cni = members[0]?.cni;
    if (cni === 'cilium')
      warnings.push(
        `${product} is not supported yet: mirroring may miss traffic handled by eBPF (socket-level load balancing and eBPF host routing bypass the pod veths we mirror on); nodes: ${names(members)}.`,
      );
    else if (cni === 'other')
      warnings.push(
        `${product} is not supported yet: ClusterTap finds pod interfaces only for Calico and Flannel, so captures on ${names(members)} may be empty or incomplete.`,
      );
    else if (cni === 'unknown')
      warnings.push(
        `Could not tell the CNI on ${names(members)} (no known DaemonSet, node annotation or device); tapping there may capture nothing.`,
      );
  }
  const kinds = new Set(nodes.map((n) => n.product).filter((p) => p !== 'unknown'));
  if (kinds.size > 1)
    warnings.push(
      `Nodes run different CNIs (${summary}); unusual outside a migration: each node is tapped according to its own CNI.`,
    );
  if (nodes.length === 0) warnings.push('Could not tell the CNI: no nodes are visible.');
  for (const problem of input.problems ?? [])
    warnings.push(`CNI detection is incomplete: ${problem.replace(/\.$/, '')}.`);

  return {
    nodes,
    summary,
    supported: nodes.length > 0 && nodes.every((n) => n.supported),
    warnings,
    warning: warnings.length ? warnings.join(' ') : undefined,
  };
}

/** Lines for a terminal: the summary, one line per node with its evidence, then the warnings. */
export function describeCni(result: ClusterCni): string[] {
  return [
    `CNI: ${result.summary}`,
    ...result.nodes.map(
      (n) =>
        `  ${n.node}: ${n.product}${n.supported ? '' : ' (not supported)'}${n.evidence.length ? ` — ${n.evidence.join('; ')}` : ''}`,
    ),
    ...result.warnings.map((w) => `warning: ${w}`),
  ];
}
