import os from 'node:os';
import path from 'node:path';
import { KubeError } from '../kube-error.js';
import { readKubeconfigFile } from './read-file.js';
import type { KubeconfigFile, MergedKubeconfig } from './types.js';

export interface KubeconfigSource {
  /** `--kubeconfig`: exactly this file, which must exist. */
  kubeconfig?: string;
  /** `--context`: overrides current-context. */
  context?: string;
  /** Defaults to process.env (KUBECONFIG, HOME, proxy variables). */
  env?: NodeJS.ProcessEnv;
  /** Defaults to $HOME, else the account's home directory. */
  home?: string;
}

/**
 * The files kubectl would consider, in precedence order (client-go ClientConfigLoadingRules):
 * `--kubeconfig` alone; else KUBECONFIG split on the path delimiter, empty entries dropped and
 * duplicates removed; else ~/.kube/config. Missing ones are included: they are watched too.
 */
export function kubeconfigCandidates(source: KubeconfigSource): string[] {
  if (source.kubeconfig) return [source.kubeconfig];
  const env = source.env ?? process.env;
  const list = env.KUBECONFIG;
  if (list) return [...new Set(list.split(path.delimiter).filter((file) => file !== ''))];
  return [defaultKubeconfig(source)];
}

export function defaultKubeconfig(source: KubeconfigSource): string {
  const home = source.home ?? ((source.env ?? process.env).HOME || os.homedir());
  return path.join(home, '.kube', 'config');
}

/**
 * Reads and merges the kubeconfig like kubectl: missing files are skipped, the first file that
 * defines a cluster/user/context name wins that name whole (no field-wise merge), and the first
 * file that sets current-context wins it. Relative paths are resolved per defining file.
 */
export function readMergedKubeconfig(source: KubeconfigSource): MergedKubeconfig {
  const candidates = kubeconfigCandidates(source);
  const read: KubeconfigFile[] = [];
  for (const file of candidates) {
    const loaded = readKubeconfigFile(file);
    if (loaded) read.push(loaded);
    else if (source.kubeconfig)
      throw new KubeError('kubeconfig', `the kubeconfig ${file} given with --kubeconfig does not exist`);
  }
  const merged = mergeKubeconfigFiles(read);
  if (merged.clusters.size + merged.users.size + merged.contexts.size === 0 && !merged.currentContext)
    throw new KubeError('kubeconfig', noConfigMessage(source, candidates, read));
  return merged;
}

export function mergeKubeconfigFiles(files: KubeconfigFile[]): MergedKubeconfig {
  const merged: MergedKubeconfig = {
    files: files.map((f) => f.file),
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
  };
  for (const file of files) {
    merged.currentContext ??= file.currentContext;
    for (const c of file.clusters) if (!merged.clusters.has(c.name)) merged.clusters.set(c.name, c);
    for (const u of file.users) if (!merged.users.has(u.name)) merged.users.set(u.name, u);
    for (const c of file.contexts) if (!merged.contexts.has(c.name)) merged.contexts.set(c.name, c);
  }
  return merged;
}

function noConfigMessage(source: KubeconfigSource, candidates: string[], read: KubeconfigFile[]): string {
  if (read.length > 0) {
    const names = read.map((f) => f.file).join(', ');
    return `the kubeconfig is empty (${names} defines no clusters, users or contexts); add a context or point KUBECONFIG or --kubeconfig at another file`;
  }
  const env = source.env ?? process.env;
  if (env.KUBECONFIG)
    return `no kubeconfig found: none of the files in KUBECONFIG exists (${candidates.join(', ')}); fix KUBECONFIG or pass --kubeconfig FILE`;
  return `no kubeconfig found: ${candidates[0]} does not exist; set KUBECONFIG or pass --kubeconfig FILE`;
}
