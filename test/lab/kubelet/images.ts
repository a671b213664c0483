import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './config.js';

/** What a container runs instead of pulling an image: argv[0] and the rest, before the container's args. */
export type ImageProgram =
  | { kind: 'program'; argv: string[] }
  /** Busybox-like images: the container's own command runs with the host's tools. */
  | { kind: 'command' }
  /** The image exists but cannot run here (e.g. the agent before it is built): a crash with a message. */
  | { kind: 'broken'; message: string };

/**
 * Lab programs run from the repository, mounted read-only at this path in every container as an
 * image's files would be: a volume over the repository's own location (an emptyDir at /tmp
 * while the repository sits in /tmp) must not hide the program.
 */
export const IMAGE_ROOT = '/opt/clustertap-lab-image';
const PROGRAMS = path.join(IMAGE_ROOT, 'test/lab/workloads/programs');
const AGENT_ENTRY = path.join(IMAGE_ROOT, 'agent-image/bin/clustertap-agent.js');
const AGENT_ON_HOST = path.join(REPO, 'agent-image/bin/clustertap-agent.js');
const program = (file: string): ImageProgram => ({
  kind: 'program',
  argv: [process.execPath, path.join(PROGRAMS, file)],
});

/** Lab images by repository (registry "docker.io/" and "library/" dropped, no tag or digest). */
const TABLE: Record<string, () => ImageProgram> = {
  'clustertap.lab/shop-web': () => program('web.js'),
  'clustertap.lab/shop-db': () => program('db.js'),
  'clustertap.lab/shop-dns': () => program('dns.js'),
  'clustertap.lab/shop-client': () => program('client.js'),
  'clustertap.lab/idle': () => program('idle.js'),
  // The CNIs' own DaemonSets: idle stand-ins (the harness does their networking).
  'calico/node': () => program('idle.js'),
  'quay.io/calico/node': () => program('idle.js'),
  'flannel/flannel': () => program('idle.js'),
  'ghcr.io/flannel-io/flannel': () => program('idle.js'),
  'registry.k8s.io/pause': () => program('idle.js'),
  busybox: () => ({ kind: 'command' }),
};

/** `docker.io/library/busybox:1.36@sha256:…` → `busybox`. */
export function imageRepository(image: string): string {
  let repo = image.split('@')[0] ?? image;
  const lastSlash = repo.lastIndexOf('/');
  const colon = repo.lastIndexOf(':');
  if (colon > lastSlash) repo = repo.slice(0, colon);
  return repo.replace(/^(docker\.io|index\.docker\.io)\//, '').replace(/^library\//, '');
}

export function isAgentImage(image: string): boolean {
  const repo = imageRepository(image);
  return repo.endsWith('clustertap-agent') || repo.endsWith('clustertap/agent');
}

/** The program for an image, or undefined when it is not in the table (the pod then shows ErrImagePull). */
export function resolveImage(image: string): ImageProgram | undefined {
  if (isAgentImage(image)) {
    if (!fs.existsSync(AGENT_ON_HOST))
      return {
        kind: 'broken',
        message: `clustertap lab: agent entry ${AGENT_ON_HOST} does not exist (build the agent first)`,
      };
    return { kind: 'program', argv: [process.execPath, AGENT_ENTRY] };
  }
  return TABLE[imageRepository(image)]?.();
}

/**
 * argv for a container. Lab programs take the container's args (their command is the program);
 * busybox-like images run command + args as given.
 */
export function containerArgv(program: ImageProgram, command: string[] = [], args: string[] = []): string[] {
  if (program.kind === 'program') return [...program.argv, ...args];
  if (program.kind === 'command')
    return [...command, ...args].length ? [...command, ...args] : ['sleep', 'infinity'];
  return ['sh', '-c', `echo "$0" >&2; exit 127`, program.message];
}
