import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ContextsState } from '../ipc/contract/contexts.js';
import type { ApiError } from '../ipc/result.js';
import { KubeError } from '../kube/kube-error.js';
import {
  type KubeconfigConnection,
  type KubeconfigSource,
  kubeConfigForContext,
  kubeconfigCandidates,
  listContexts,
  type MergedKubeconfig,
  readMergedKubeconfig,
  type WatchOptions,
  watchKubeconfig,
} from '../kube/kubeconfig/index.js';
import { AppError } from './errors.js';

/**
 * The kubeconfig as the app sees it: read like kubectl, watched for changes, and the app's own
 * current context (contexts.use switches it without touching the user's files). Credentials stay
 * here; only ContextsState (names, servers, files) leaves.
 */

export interface ContextsServiceDeps {
  /** --kubeconfig / $KUBECONFIG / ~/.kube/config, and --context as the starting context. */
  source: KubeconfigSource;
  /** The context used last time (settings), tried when --context is not given. */
  lastContext?: string | null;
  watch?: WatchOptions | false;
}

/** What the rest of the core reacts to: the current context, and whether its connection changed. */
export interface CurrentContext {
  name: string | null;
  /** Changes whenever the context's cluster, user or namespace entries change (a hash: no credentials). */
  fingerprint: string;
}

export class ContextsService {
  private merged: MergedKubeconfig | undefined;
  private loadError: KubeError | undefined;
  private current: string | null = null;
  private stopWatch: (() => void) | undefined;
  private readonly listeners = new Set<(state: ContextsState, current: CurrentContext) => void>();
  private lastFingerprint = '';

  constructor(private readonly deps: ContextsServiceDeps) {
    this.read();
    const names = this.merged ? this.merged.contexts : new Map();
    const wanted = [deps.source.context, deps.lastContext ?? undefined, this.merged?.currentContext];
    // --context wins even when it does not exist (the problem says so); a stale lastContext does not.
    if (deps.source.context) this.current = deps.source.context;
    else this.current = wanted.find((name) => name && names.has(name)) ?? null;
    this.lastFingerprint = this.currentContext().fingerprint;
  }

  /** Starts watching the kubeconfig files (emits through onChange). */
  start(): void {
    if (this.stopWatch || this.deps.watch === false) return;
    const { context: _ignored, ...files } = this.deps.source;
    this.stopWatch = watchKubeconfig(files, () => this.reload(), this.deps.watch ?? {});
  }

  stop(): void {
    this.stopWatch?.();
    this.stopWatch = undefined;
    this.listeners.clear();
  }

  /** Called with the new state after a file change or a switch; returns the unsubscribe function. */
  onChange(listener: (state: ContextsState, current: CurrentContext) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  state(): ContextsState {
    const merged = this.merged;
    const sources = this.sources();
    if (!merged)
      return {
        sources,
        contexts: [],
        current: null,
        kubeconfigCurrent: null,
        problem: apiError(this.loadError ?? new KubeError('kubeconfig', 'the kubeconfig could not be read')),
      };
    const contexts = listContexts(merged, this.current ?? undefined).map((summary) => ({
      ...summary,
      file: merged.contexts.get(summary.name)?.origin ?? '',
    }));
    return {
      sources,
      contexts,
      current: this.current,
      kubeconfigCurrent: merged.currentContext ?? null,
      problem: this.problem(merged),
    };
  }

  /** Switches the app's current context; throws AppError(kubeconfig) for one that cannot be used. */
  use(name: string): ContextsState {
    if (!this.merged) throw this.loadError ?? new KubeError('kubeconfig', 'the kubeconfig could not be read');
    kubeConfigForContext(this.merged, name, this.deps.source.env); // throws kubectl's sentence if unusable
    this.current = name;
    return this.notify();
  }

  currentContext(): CurrentContext {
    const name = this.current;
    if (!name || !this.merged) return { name, fingerprint: `${name}:none` };
    const context = this.merged.contexts.get(name);
    const cluster = context && this.merged.clusters.get(context.cluster);
    const user = context && this.merged.users.get(context.user);
    return {
      name,
      fingerprint: createHash('sha256')
        .update(JSON.stringify([context, cluster, user]))
        .digest('hex'),
    };
  }

  /** The connection (with credentials) for a context, default the current one. */
  connection(name = this.current): { name: string; kubeConfig: KubeconfigConnection } {
    if (!this.merged) throw this.loadError ?? new KubeError('kubeconfig', 'the kubeconfig could not be read');
    if (!name)
      throw new AppError(
        'kubeconfig',
        `no context chosen: the kubeconfig (${this.merged.files.join(', ')}) sets no current-context; choose a context`,
      );
    return { name, kubeConfig: kubeConfigForContext(this.merged, name, this.deps.source.env) };
  }

  /** Re-reads the files (the watcher calls this); emits when anything the UI shows changed. */
  reload(): void {
    const before = JSON.stringify(this.state());
    this.read();
    // No context yet (the kubeconfig was missing), or the app's vanished from the files: fall back
    // to the kubeconfig's current-context. --context stays what the user asked for.
    if (this.merged && !this.deps.source.context && !(this.current && this.merged.contexts.has(this.current)))
      this.current = this.merged.currentContext ?? null;
    if (JSON.stringify(this.state()) !== before || this.currentContext().fingerprint !== this.lastFingerprint)
      this.notify();
  }

  private notify(): ContextsState {
    const state = this.state();
    const current = this.currentContext();
    this.lastFingerprint = current.fingerprint;
    for (const listener of [...this.listeners]) listener(state, current);
    return state;
  }

  private read(): void {
    try {
      this.merged = readMergedKubeconfig({ ...this.deps.source, context: undefined });
      this.loadError = undefined;
    } catch (error) {
      this.merged = undefined;
      this.loadError = error instanceof KubeError ? error : new KubeError('kubeconfig', String(error));
    }
  }

  private problem(merged: MergedKubeconfig): ApiError | null {
    if (!this.current)
      return merged.contexts.size === 0
        ? { kind: 'kubeconfig', message: `the kubeconfig (${merged.files.join(', ')}) defines no contexts` }
        : {
            kind: 'kubeconfig',
            message: `no context chosen: current-context is not set in ${merged.files.join(', ')}; choose a context`,
          };
    try {
      kubeConfigForContext(merged, this.current, this.deps.source.env);
      return null;
    } catch (error) {
      return apiError(error instanceof KubeError ? error : new KubeError('kubeconfig', String(error)));
    }
  }

  private sources(): ContextsState['sources'] {
    const { kubeconfig, env = process.env } = this.deps.source;
    const from = kubeconfig ? 'flag' : env.KUBECONFIG ? 'env' : 'default';
    return kubeconfigCandidates(this.deps.source).map((file) => ({
      path: path.resolve(file),
      exists: fs.existsSync(file),
      from,
    }));
  }
}

function apiError(error: KubeError): ApiError {
  return { kind: error.kind, message: error.message };
}
