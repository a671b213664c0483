import fs from 'node:fs';
import path from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { type HarnessPaths, type LabNode, REPO } from './config.js';
import { LaunchError, type LaunchPlan } from './container.js';
import { containerArgv, IMAGE_ROOT, resolveImage } from './images.js';
import { isNotFound, type KubeClient } from './kube-client.js';
import { mountArgv } from './mount-script.js';
import {
  ContainerConfigError,
  envReferences,
  expandVars,
  type KeyedData,
  type PodRuntimeFacts,
  resolveEnv,
} from './pod-env.js';
import type { PodRecord } from './pod-records.js';
import { type PodVolumes, VolumeError } from './pod-volumes.js';

/** Lab programs (clustertap.lab/* images) find their peers here; the harness keeps the file current. */
const PEERS_MOUNT = '/etc/clustertap-lab';
const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface LaunchContext {
  pod: V1Pod;
  record: PodRecord;
  node: LabNode;
  paths: HarnessPaths;
  api: KubeClient;
  facts: PodRuntimeFacts;
  /** Brings the pod's volumes up to date and returns them. */
  volumes: () => Promise<PodVolumes>;
}

/**
 * Everything one (re)start of a container needs, fresh each time, in kubelet's order of failure:
 * the image (ErrImagePull), the volumes (stays ContainerCreating), the env
 * (CreateContainerConfigError); then argv = namespaces + mount prologue + the image's program.
 */
export async function launchPlan(c: V1Container, ctx: LaunchContext): Promise<LaunchPlan> {
  const { pod, record } = ctx;
  const program = resolveImage(c.image ?? '');
  if (!program)
    throw new LaunchError(
      'ErrImagePull',
      `rpc error: code = NotFound desc = failed to pull and unpack image "${c.image}": not found (the clustertap lab runs only the images in test/lab/kubelet/images.ts)`,
    );
  let volumes: PodVolumes;
  try {
    volumes = await ctx.volumes();
  } catch (e) {
    throw new LaunchError('ContainerCreating', `MountVolume.SetUp failed: ${(e as Error).message}`);
  }
  let env: Record<string, string>;
  try {
    env = resolveEnv(pod, c, await keyedData(ctx.api, pod, c), ctx.facts);
  } catch (e) {
    if (e instanceof ContainerConfigError || e instanceof VolumeError)
      throw new LaunchError('CreateContainerConfigError', e.message);
    throw e;
  }
  const mounts = volumes.mountsFor(c);
  if (program.kind === 'program') mounts.push({ source: REPO, target: IMAGE_ROOT, readOnly: true });
  if (program.kind === 'program' && c.image?.startsWith('clustertap.lab/'))
    mounts.push({ source: ctx.paths.peersDir, target: PEERS_MOUNT, readOnly: true });
  const stage = path.join(ctx.paths.podsDir, record.uid, 'stage', c.name);
  fs.mkdirSync(stage, { recursive: true });
  const hostname = record.hostNetwork ? ctx.node.name : (pod.spec?.hostname ?? record.name);
  const expand = (list?: string[]) => list?.map((s) => expandVars(s, env));
  const argv = [
    ...['ip', 'netns', 'exec', record.netns],
    ...['unshare', '--mount', '--uts', '--propagation', 'private'],
    ...mountArgv(mounts, stage, hostname),
    ...containerArgv(program, expand(c.command), expand(c.args)),
  ];
  return { argv, env: { PATH: BASE_PATH, HOME: '/root', HOSTNAME: hostname, ...env } };
}

/** The ConfigMaps and Secrets a container's env refers to (missing ones are left out: resolveEnv decides). */
async function keyedData(api: KubeClient, pod: V1Pod, c: V1Container): Promise<KeyedData> {
  const refs = envReferences(pod, c);
  const data: KeyedData = { configMaps: new Map(), secrets: new Map() };
  const fetch = async (kind: 'configmaps' | 'secrets', key: string) => {
    const [ns, name] = key.split('/');
    try {
      const o = await api.request<{ data?: Record<string, string> }>(
        'GET',
        `/api/v1/namespaces/${ns}/${kind}/${name}`,
      );
      const decode = (v: string) => (kind === 'secrets' ? Buffer.from(v, 'base64').toString() : v);
      const decoded = Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, decode(v)]));
      (kind === 'secrets' ? data.secrets : data.configMaps).set(key, decoded);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };
  await Promise.all([...refs.configMaps].map((k) => fetch('configmaps', k)));
  await Promise.all([...refs.secrets].map((k) => fetch('secrets', k)));
  return data;
}
