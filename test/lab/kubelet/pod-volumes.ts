import fs from 'node:fs';
import path from 'node:path';
import type {
  V1Container,
  V1DownwardAPIVolumeFile,
  V1KeyToPath,
  V1Pod,
  V1Volume,
} from '@kubernetes/client-node';
import type { Log } from './config.js';
import { isNotFound, type KubeClient } from './kube-client.js';
import type { BindMount } from './mount-script.js';
import { type PodRuntimeFacts, podField, resourceField } from './pod-env.js';

/** A volume that cannot be set up yet; the pod stays ContainerCreating and this is its message. */
export class VolumeError extends Error {}

type Files = Map<string, { content: Buffer; mode: number }>;

export interface VolumeDeps {
  api: KubeClient;
  log: Log;
  /** $LAB_DIR/pods/<uid> */
  podDir: string;
  /** Where hostPath volumes that do not exist on the host are created: this node's own "disk". */
  nodeRootfs: string;
  facts: PodRuntimeFacts;
}

/** Token rotation like kubelet: after 80% of the token's life, or a day. */
const refreshAt = (issued: number, expires: number) =>
  issued + Math.min(0.8 * (expires - issued), 86_400_000);

/**
 * A pod's volumes on the host, under $LAB_DIR/pods/<uid>/volumes/<plugin>/<name>, kept current
 * on every sync (ConfigMaps, Secrets, downward API, service-account tokens via TokenRequest).
 */
export class PodVolumes {
  private readonly dirs = new Map<string, string>();
  private readonly tokens = new Map<string, { token: string; refreshAt: number }>();

  constructor(
    /** Kept current by the worker: downward API files follow label and annotation changes. */
    public pod: V1Pod,
    private readonly deps: VolumeDeps,
  ) {}

  private get ns(): string {
    return this.pod.metadata?.namespace ?? 'default';
  }

  async sync(): Promise<void> {
    for (const volume of this.pod.spec?.volumes ?? [])
      this.dirs.set(volume.name, await this.syncVolume(volume));
  }

  /** Bind mounts for a container's volumeMounts (subPath mounts a file or directory inside the volume). */
  mountsFor(container: V1Container): BindMount[] {
    return (container.volumeMounts ?? []).map((m) => {
      const dir = this.dirs.get(m.name);
      if (!dir) throw new VolumeError(`volume "${m.name}" not found in pod spec`);
      return {
        source: m.subPath ? path.join(dir, m.subPath) : dir,
        target: m.mountPath,
        readOnly: m.readOnly ?? false,
      };
    });
  }

  private async syncVolume(v: V1Volume): Promise<string> {
    const dir = (plugin: string) => path.join(this.deps.podDir, 'volumes', `kubernetes.io~${plugin}`, v.name);
    if (v.hostPath) return this.hostPath(v.hostPath.path, v.hostPath.type ?? '');
    if (v.emptyDir) return mkdir(dir('empty-dir'));
    if (v.configMap) {
      const data = await this.object('configmaps', v.configMap.name ?? '', v.configMap.optional);
      return writeFiles(dir('configmap'), selectKeys(data, v.configMap.items, v.configMap.defaultMode));
    }
    if (v.secret) {
      const data = await this.object('secrets', v.secret.secretName ?? '', v.secret.optional);
      return writeFiles(dir('secret'), selectKeys(data, v.secret.items, v.secret.defaultMode));
    }
    if (v.downwardAPI)
      return writeFiles(dir('downward-api'), this.downward(v.downwardAPI.items, v.downwardAPI.defaultMode));
    if (v.projected) {
      const files: Files = new Map();
      const mode = v.projected.defaultMode;
      for (const source of v.projected.sources ?? []) {
        if (source.configMap) {
          const data = await this.object(
            'configmaps',
            source.configMap.name ?? '',
            source.configMap.optional,
          );
          for (const [k, f] of selectKeys(data, source.configMap.items, mode)) files.set(k, f);
        } else if (source.secret) {
          const data = await this.object('secrets', source.secret.name ?? '', source.secret.optional);
          for (const [k, f] of selectKeys(data, source.secret.items, mode)) files.set(k, f);
        } else if (source.downwardAPI) {
          for (const [k, f] of this.downward(source.downwardAPI.items, mode)) files.set(k, f);
        } else if (source.serviceAccountToken) {
          const { audience, expirationSeconds, path: file } = source.serviceAccountToken;
          const token = await this.token(audience, expirationSeconds ?? 3600);
          files.set(file, { content: Buffer.from(token), mode: mode ?? 0o644 });
        }
      }
      return writeFiles(dir('projected'), files);
    }
    this.deps.log(
      `pod ${this.ns}/${this.pod.metadata?.name}: volume ${v.name} of an unsupported type is an empty directory`,
    );
    return mkdir(dir('unsupported'));
  }

  /** Host paths that exist are shared with the host; missing ones are created on the node's own disk. */
  private hostPath(p: string, type: string): string {
    if (fs.existsSync(p)) return p;
    if (!['', 'DirectoryOrCreate', 'FileOrCreate'].includes(type))
      throw new VolumeError(`hostPath type check failed: ${p} is not a ${type}`);
    const local = path.join(this.deps.nodeRootfs, p);
    if (type === 'FileOrCreate') {
      fs.mkdirSync(path.dirname(local), { recursive: true });
      if (!fs.existsSync(local)) fs.writeFileSync(local, '');
      return local;
    }
    return mkdir(local);
  }

  /** A ConfigMap's or Secret's data (decoded), {} when optional and missing. */
  private async object(
    kind: 'configmaps' | 'secrets',
    name: string,
    optional?: boolean,
  ): Promise<Map<string, Buffer>> {
    try {
      const o = await this.deps.api.request<{
        data?: Record<string, string>;
        binaryData?: Record<string, string>;
      }>('GET', `/api/v1/namespaces/${this.ns}/${kind}/${name}`);
      const decode = kind === 'secrets' ? 'base64' : 'utf8';
      const entries = [
        ...Object.entries(o.data ?? {}).map(([k, v]) => [k, Buffer.from(v, decode)] as const),
        ...Object.entries(o.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')] as const),
      ];
      return new Map(entries);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      if (optional) return new Map();
      throw new VolumeError(`${kind === 'secrets' ? 'secret' : 'configmap'} "${name}" not found`);
    }
  }

  private downward(items: V1DownwardAPIVolumeFile[] = [], mode?: number): Files {
    const files: Files = new Map();
    for (const item of items) {
      const value = item.fieldRef
        ? podField(this.pod, item.fieldRef, this.deps.facts)
        : item.resourceFieldRef
          ? resourceField(
              this.pod.spec?.containers.find((c) => c.name === item.resourceFieldRef?.containerName),
              item.resourceFieldRef,
            )
          : '';
      files.set(item.path, { content: Buffer.from(value), mode: item.mode ?? mode ?? 0o644 });
    }
    return files;
  }

  /** A token bound to this pod via the TokenRequest API, cached until it is due for rotation. */
  private async token(audience: string | undefined, expirationSeconds: number): Promise<string> {
    const key = `${audience ?? ''}/${expirationSeconds}`;
    const cached = this.tokens.get(key);
    if (cached && Date.now() < cached.refreshAt) return cached.token;
    const sa = this.pod.spec?.serviceAccountName || 'default';
    const meta = this.pod.metadata ?? {};
    const answer = await this.deps.api.request<{ status: { token: string; expirationTimestamp: string } }>(
      'POST',
      `/api/v1/namespaces/${this.ns}/serviceaccounts/${sa}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: audience ? [audience] : [],
          expirationSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: meta.name, uid: meta.uid },
        },
      },
    );
    const expires = Date.parse(answer.status.expirationTimestamp);
    this.tokens.set(key, { token: answer.status.token, refreshAt: refreshAt(Date.now(), expires) });
    return answer.status.token;
  }
}

function mkdir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** ConfigMap/Secret keys to files: all keys, or just the listed items at their paths. */
export function selectKeys(data: Map<string, Buffer>, items: V1KeyToPath[] | undefined, mode = 0o644): Files {
  const files: Files = new Map();
  if (!items) for (const [k, content] of data) files.set(k, { content, mode });
  else
    for (const item of items) {
      const content = data.get(item.key);
      if (content) files.set(item.path, { content, mode: item.mode ?? mode });
    }
  return files;
}

/** Writes each file through a rename (visible in bind-mounted directories), drops files no longer wanted. */
function writeFiles(dir: string, files: Files): string {
  mkdir(dir);
  for (const [rel, { content, mode }] of files) {
    const file = path.join(dir, rel);
    if (!file.startsWith(`${dir}/`)) throw new VolumeError(`volume item path ${rel} leaves the volume`);
    const same = fs.existsSync(file) && fs.readFileSync(file).equals(content);
    if (same) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, content, { mode });
    fs.chmodSync(`${file}.tmp`, mode);
    fs.renameSync(`${file}.tmp`, file);
  }
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const rel = path.relative(dir, path.join(entry.parentPath, entry.name));
      if (!files.has(rel)) fs.rmSync(path.join(dir, rel));
    }
  return dir;
}
