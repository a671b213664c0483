import type {
  V1Container,
  V1ObjectFieldSelector,
  V1Pod,
  V1ResourceFieldSelector,
} from '@kubernetes/client-node';

/** ConfigMaps and Secrets (Secret values already base64-decoded), looked up by "namespace/name". */
export interface KeyedData {
  configMaps: Map<string, Record<string, string>>;
  secrets: Map<string, Record<string, string>>;
}

export interface PodRuntimeFacts {
  podIP: string;
  hostIP: string;
  /** The lab has no kube-proxy: pods reach the API server at its real address. */
  apiHost: string;
  apiPort: string;
}

/** A config problem the kubelet reports as CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

/** The ConfigMaps and Secrets a container's env needs, so they can be fetched first. */
export function envReferences(
  pod: V1Pod,
  container: V1Container,
): { configMaps: Set<string>; secrets: Set<string> } {
  const ns = pod.metadata?.namespace ?? 'default';
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef?.name) configMaps.add(`${ns}/${from.configMapRef.name}`);
    if (from.secretRef?.name) secrets.add(`${ns}/${from.secretRef.name}`);
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(`${ns}/${e.valueFrom.configMapKeyRef.name}`);
    if (e.valueFrom?.secretKeyRef?.name) secrets.add(`${ns}/${e.valueFrom.secretKeyRef.name}`);
  }
  return { configMaps, secrets };
}

/** Downward API field paths (fieldRef), as kubelet supports them for env and volumes. */
export function podField(pod: V1Pod, selector: V1ObjectFieldSelector, facts: PodRuntimeFacts): string {
  const path = selector.fieldPath;
  const meta = pod.metadata ?? {};
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2] ?? ''] ?? '';
  const format = (m: Record<string, string> = {}) =>
    Object.entries(m)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join('\n');
  switch (path) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return format(meta.labels);
    case 'metadata.annotations':
      return format(meta.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return facts.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldPath ${path}`);
  }
}

const NODE_ALLOCATABLE: Record<string, string> = {
  cpu: '4',
  memory: String(8 * 1024 ** 3),
  'ephemeral-storage': String(20 * 1024 ** 3),
};

/** resourceFieldRef: the container's limit or request, else the node's allocatable (kubelet's rule for limits). */
export function resourceField(container: V1Container | undefined, selector: V1ResourceFieldSelector): string {
  const [kind, resource = ''] = selector.resource.split('.');
  const declared = (kind === 'limits' ? container?.resources?.limits : container?.resources?.requests)?.[
    resource
  ];
  if (declared !== undefined) return String(declared);
  return kind === 'limits' ? (NODE_ALLOCATABLE[resource] ?? '0') : '0';
}

/** Kubernetes' $(VAR) expansion: defined names are replaced, $$ escapes, unknown references stay as written. */
export function expandVars(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && name in vars ? (vars[name] ?? '') : match;
  });
}

/** A container's environment in kubelet's order: the service variables, envFrom, then env (each entry may use earlier ones). */
export function resolveEnv(
  pod: V1Pod,
  container: V1Container,
  data: KeyedData,
  facts: PodRuntimeFacts,
): Record<string, string> {
  const ns = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {
    KUBERNETES_SERVICE_HOST: facts.apiHost,
    KUBERNETES_SERVICE_PORT: facts.apiPort,
    KUBERNETES_SERVICE_PORT_HTTPS: facts.apiPort,
    KUBERNETES_PORT: `tcp://${facts.apiHost}:${facts.apiPort}`,
  };
  const lookup = (kind: 'ConfigMap' | 'Secret', name: string, optional: boolean | undefined) => {
    const found = (kind === 'ConfigMap' ? data.configMaps : data.secrets).get(`${ns}/${name}`);
    if (!found && !optional) throw new ContainerConfigError(`${kind.toLowerCase()} "${name}" not found`);
    return found;
  };
  for (const from of container.envFrom ?? []) {
    const values = from.configMapRef
      ? lookup('ConfigMap', from.configMapRef.name ?? '', from.configMapRef.optional)
      : from.secretRef
        ? lookup('Secret', from.secretRef.name ?? '', from.secretRef.optional)
        : undefined;
    for (const [k, v] of Object.entries(values ?? {})) env[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const e of container.env ?? []) {
    const source = e.valueFrom;
    if (!source) env[e.name] = expandVars(e.value ?? '', env);
    else if (source.fieldRef) env[e.name] = podField(pod, source.fieldRef, facts);
    else if (source.resourceFieldRef) {
      const target = pod.spec?.containers.find(
        (c) => c.name === (source.resourceFieldRef?.containerName || container.name),
      );
      env[e.name] = resourceField(target, source.resourceFieldRef);
    } else {
      const ref = source.configMapKeyRef ?? source.secretKeyRef;
      if (!ref) continue;
      const kind = source.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const values = lookup(kind, ref.name ?? '', ref.optional);
      const value = values?.[ref.key];
      if (value !== undefined) env[e.name] = value;
      else if (values && !ref.optional)
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}`);
    }
  }
  return env;
}
