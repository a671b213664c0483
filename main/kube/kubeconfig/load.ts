import { KubeError } from '../kube-error.js';
import { KubeconfigConnection } from './connection.js';
import { type KubeconfigSource, readMergedKubeconfig } from './loading-rules.js';
import type { MergedKubeconfig } from './types.js';
import { describeFiles, resolveContext } from './validate-context.js';

/** What a context offers, without credentials: safe to show in the UI or print. */
export interface ContextSummary {
  name: string;
  cluster: string;
  user: string;
  namespace: string;
  /** '' when the context's cluster is missing or has no server */
  server: string;
  current: boolean;
}

/**
 * The kubeconfig as kubectl reads it, with a connection for the chosen context that stands in for
 * client-node's KubeConfig (getCurrentCluster, applyToHTTPSOptions).
 * `kubeConfig` and `merged` hold credentials: keep them in the main process.
 */
export interface LoadedKubeconfig {
  kubeConfig: KubeconfigConnection;
  context: string;
  namespace: string;
  server: string;
  contexts: ContextSummary[];
  /** kubeconfig files that were read, in precedence order */
  files: string[];
  merged: MergedKubeconfig;
}

/** Loads the kubeconfig, chooses `--context` or current-context, and checks it like kubectl. */
export function loadKubeconfig(source: KubeconfigSource = {}): LoadedKubeconfig {
  const merged = readMergedKubeconfig(source);
  const name = source.context || merged.currentContext;
  if (!name) {
    const known = [...merged.contexts.keys()].sort();
    const choose =
      known.length > 0 ? `choose one with --context (${known.join(', ')})` : 'it defines no contexts';
    throw new KubeError(
      'kubeconfig',
      `no context chosen: current-context is not set in ${describeFiles(merged)}; ${choose}`,
    );
  }
  const kubeConfig = kubeConfigForContext(merged, name, source.env);
  const context = merged.contexts.get(name);
  return {
    kubeConfig,
    context: name,
    namespace: context?.namespace ?? 'default',
    server: kubeConfig.server,
    contexts: listContexts(merged, name),
    files: merged.files,
    merged,
  };
}

/** The connection for any context of the merged kubeconfig (e.g. to probe each one). */
export function kubeConfigForContext(
  merged: MergedKubeconfig,
  name: string,
  env = process.env,
): KubeconfigConnection {
  return new KubeconfigConnection(resolveContext(merged, name), env);
}

/** Contexts sorted by name, as `kubectl config get-contexts` lists them. */
export function listContexts(merged: MergedKubeconfig, current = merged.currentContext): ContextSummary[] {
  return [...merged.contexts.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c) => ({
      name: c.name,
      cluster: c.cluster,
      user: c.user,
      namespace: c.namespace ?? 'default',
      server: merged.clusters.get(c.cluster)?.server ?? '',
      current: c.name === current,
    }));
}
