/**
 * The compact records the inventory keeps. An API-server Pod is 5–15 KB of JSON (managedFields,
 * spec, conditions); we keep the few hundred bytes the UI, the selector and the agent need, with
 * a fixed shape per type (every field always assigned) so V8 shares one hidden class, and with
 * low-cardinality strings (namespace, node, phase, host IP, label values) interned so 10k pods
 * share one copy of each.
 */

export type Labels = Readonly<Record<string, string>>;

export interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  labels: Labels;
  /** Empty until scheduled. */
  nodeName: string;
  /** status.podIPs (IPv4 and/or IPv6); empty until the sandbox has an address. */
  podIPs: readonly string[];
  hostIP: string;
  /** Pending | Running | Succeeded | Failed | Unknown */
  phase: string;
  /** The Ready condition is True. */
  ready: boolean;
  /** The workload: Deployment (through its ReplicaSet), StatefulSet, DaemonSet, Job…; empty if none. */
  ownerKind: string;
  ownerName: string;
  /** Shares the node's network namespace: there is no pod veth to tap. */
  hostNetwork: boolean;
}

export interface NodeRecord {
  name: string;
  /** First InternalIP address; empty if the node reports none. */
  internalIP: string;
  podCIDRs: readonly string[];
  labels: Labels;
  /** Only the annotations CNIs write (projectcalico.org/…, flannel.alpha.coreos.com/…, io.cilium…). */
  annotations: Labels;
  /** The Ready condition is True. */
  ready: boolean;
}

export interface NamespaceRecord {
  name: string;
  /** Active | Terminating; empty when not known (namespaced mode cannot read Namespace objects). */
  phase: string;
  labels: Labels;
}

/** The subset of object JSON the mappers read. */
export interface RawObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
  };
  spec?: {
    nodeName?: string;
    hostNetwork?: boolean;
    podCIDR?: string;
    podCIDRs?: string[];
  };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip?: string }[];
    hostIP?: string;
    conditions?: { type?: string; status?: string }[];
    addresses?: { type?: string; address?: string }[];
  };
}

/**
 * Keeps one copy of repeated strings. Bounded: once it holds `limit` strings it starts over, so
 * high-cardinality values that churn (hash labels of rolled-out pods) cannot grow it forever.
 */
export class Interner {
  private readonly strings = new Map<string, string>();
  constructor(private readonly limit = 50_000) {}

  intern(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    if (this.strings.size >= this.limit) this.strings.clear();
    this.strings.set(value, value);
    return value;
  }
}

const noLabels: Labels = Object.freeze({});
const noStrings: readonly string[] = Object.freeze([]);

function labelsOf(raw: Record<string, string> | undefined, strings: Interner): Labels {
  if (!raw) return noLabels;
  const keys = Object.keys(raw);
  if (keys.length === 0) return noLabels;
  const labels: Record<string, string> = {};
  for (const key of keys) labels[strings.intern(key)] = strings.intern(String(raw[key]));
  return labels;
}

function conditionTrue(raw: RawObject, type: string): boolean {
  return raw.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

/**
 * The pod's workload. A Deployment's pods are owned by a ReplicaSet named
 * `<deployment>-<pod-template-hash>`; the user selects by Deployment, so we name that.
 */
function ownerOf(raw: RawObject): { kind: string; name: string } {
  const refs = raw.metadata?.ownerReferences ?? [];
  const owner = refs.find((ref) => ref.controller) ?? refs[0];
  if (!owner?.kind || !owner.name) return { kind: '', name: '' };
  const hash = raw.metadata?.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`))
    return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
  return { kind: owner.kind, name: owner.name };
}

export function toPodRecord(raw: RawObject, strings: Interner): PodRecord {
  const meta = raw.metadata ?? {};
  const status = raw.status ?? {};
  const ips = status.podIPs?.map((entry) => entry.ip ?? '').filter(Boolean) ?? [];
  if (ips.length === 0 && status.podIP) ips.push(status.podIP);
  const owner = ownerOf(raw);
  return {
    uid: meta.uid ?? '',
    namespace: strings.intern(meta.namespace ?? ''),
    name: meta.name ?? '',
    labels: labelsOf(meta.labels, strings),
    nodeName: strings.intern(raw.spec?.nodeName ?? ''),
    podIPs: ips.length ? ips : noStrings,
    hostIP: strings.intern(status.hostIP ?? ''),
    phase: strings.intern(status.phase ?? ''),
    ready: conditionTrue(raw, 'Ready'),
    ownerKind: strings.intern(owner.kind),
    ownerName: strings.intern(owner.name),
    hostNetwork: raw.spec?.hostNetwork === true,
  };
}

/** Annotation key prefixes CNIs write on Node objects; the CNI detector reads these. */
export const cniAnnotationPrefixes = [
  'projectcalico.org/',
  'flannel.alpha.coreos.com/',
  'io.cilium',
  'network.cilium.io/',
  'cilium.io/',
  'kube-router.io/',
  'node.antrea.io/',
  'k8s.ovn.org/',
  'weave.works/',
  'kuberouter.io/',
] as const;

function cniAnnotationsOf(raw: Record<string, string> | undefined, strings: Interner): Labels {
  if (!raw) return noLabels;
  const kept: Record<string, string> = {};
  let any = false;
  for (const [key, value] of Object.entries(raw)) {
    if (!cniAnnotationPrefixes.some((prefix) => key.startsWith(prefix))) continue;
    kept[strings.intern(key)] = value;
    any = true;
  }
  return any ? kept : noLabels;
}

export function toNodeRecord(raw: RawObject, strings: Interner): NodeRecord {
  const cidrs = raw.spec?.podCIDRs?.length ? raw.spec.podCIDRs : raw.spec?.podCIDR ? [raw.spec.podCIDR] : [];
  return {
    name: raw.metadata?.name ?? '',
    internalIP: raw.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
    podCIDRs: cidrs.length ? [...cidrs] : noStrings,
    labels: labelsOf(raw.metadata?.labels, strings),
    annotations: cniAnnotationsOf(raw.metadata?.annotations, strings),
    ready: conditionTrue(raw, 'Ready'),
  };
}

export function toNamespaceRecord(raw: RawObject, strings: Interner): NamespaceRecord {
  return {
    name: raw.metadata?.name ?? '',
    phase: strings.intern(raw.status?.phase ?? ''),
    labels: labelsOf(raw.metadata?.labels, strings),
  };
}

/** Structural equality of records (plain data: strings, numbers, booleans, arrays, objects). */
export function sameRecord(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  for (const key of aKeys)
    if (!sameRecord((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  return true;
}
