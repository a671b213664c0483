import type http from 'node:http';
import { KubeError, toKubeError } from '../kube-error.js';
import { getJson, type KubeConfigLike, openGet, serverOf, withQuery } from './api-request.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { LineSplitter } from './line-splitter.js';
import { type RawObject, sameRecord } from './records.js';

/**
 * A reflector in the sense of client-go: LIST (paginated) then WATCH from the list's
 * resourceVersion, keeping a map of compact records. It survives what clusters do:
 * - the server ends a watch (timeoutSeconds, API-server shutdown) → rewatch from the last version;
 * - a network error or restart → back off (jittered) and rewatch from the last version, so the
 *   changes made meanwhile are replayed;
 * - 410 Gone / Expired (that version was compacted away) → relist, and emit the difference
 *   between what we had and what is there now, so subscribers see deletions made while we were away;
 * - 403 and friends → kept in status() with the KubeError's sentence, retried slowly; the other
 *   watchers of an inventory carry on.
 */

export interface WatchListOptions {
  fieldSelector?: string;
  labelSelector?: string;
  /** What the user would call it, for messages: "pods in shop". Defaults to one made from the path. */
  what?: string;
  /**
   * LIST page size; default 250. Each page is parsed whole, so smaller pages mean less garbage at
   * once: at 10k pods, 250 peaked 10–15 MiB RSS lower than 500 in the same time (BENCHMARKS.md).
   */
  pageSize?: number;
  /** Server-side watch timeout; default a random 240–360 s so watchers do not expire together. */
  watchTimeoutSeconds?: number;
  /** A watch silent this long is presumed dead (a broken path may never error); default timeout + 30 s. */
  idleTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Retry delay after 401/403: permissions rarely change within seconds; default 30 s. */
  deniedRetryMs?: number;
}

export type WatchChangeType = 'added' | 'modified' | 'deleted';

export interface WatchChange<T> {
  type: WatchChangeType;
  /** `namespace/name`, or `name` for cluster-scoped objects. */
  key: string;
  /** The record after the change; for `deleted`, the last one we had. */
  record: T;
}

export type WatchState = 'starting' | 'listing' | 'watching' | 'reconnecting' | 'stopped';

export interface WatchStatus {
  state: WatchState;
  /** A first LIST completed: the records reflect the cluster (stays true while reconnecting). */
  synced: boolean;
  /** Why we are reconnecting; cleared once a list or watch succeeds again. */
  lastError: KubeError | undefined;
  /** LISTs after the first (410 Gone, expired continue tokens). */
  relists: number;
  /** Retries after a failed or broken list/watch. */
  reconnects: number;
  items: number;
  resourceVersion: string;
}

export interface WatchList<T> {
  start(): void;
  stop(): void;
  /** The current records by key; do not mutate. */
  items(): ReadonlyMap<string, T>;
  status(): WatchStatus;
  /** Changes in arrival order; a relist delivers its whole difference in one call. */
  onChange(listener: (changes: WatchChange<T>[]) => void): () => void;
  onStatus(listener: (status: WatchStatus) => void): () => void;
}

interface ListPage {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: RawObject[];
}

interface WatchEvent {
  type?: string;
  object?: RawObject & { code?: number; reason?: string; message?: string };
}

export function keyOf(raw: RawObject): string {
  const meta = raw.metadata ?? {};
  return meta.namespace ? `${meta.namespace}/${meta.name}` : (meta.name ?? '');
}

/** `/api/v1/namespaces/shop/pods` → "pods in shop", `/apis/apps/v1/daemonsets` → "daemonsets". */
export function describePath(path: string): string {
  const match = /\/(?:namespaces\/([^/]+)\/)?([^/?]+)(?:\?.*)?$/.exec(path);
  if (!match?.[2]) return path;
  return match[1] ? `${match[2]} in ${decodeURIComponent(match[1])}` : match[2];
}

function isGone(error: KubeError): boolean {
  return error.status === 410;
}

/** A watch that ends cleanly faster than this without a single line is treated as a failure. */
const minHealthyWatchMs = 1000;

export function watchList<T>(
  kubeConfig: KubeConfigLike,
  path: string,
  options: WatchListOptions,
  toRecord: (raw: RawObject) => T,
): WatchList<T> {
  return new ListWatcher(kubeConfig, path, options, toRecord);
}

class ListWatcher<T> implements WatchList<T> {
  private records = new Map<string, T>();
  private readonly changeListeners = new Set<(changes: WatchChange<T>[]) => void>();
  private readonly statusListeners = new Set<(status: WatchStatus) => void>();
  private readonly backoff: Backoff;
  private readonly what: string;
  private current: WatchStatus = {
    state: 'stopped',
    synced: false,
    lastError: undefined,
    relists: 0,
    reconnects: 0,
    items: 0,
    resourceVersion: '',
  };
  private controller: AbortController | undefined;

  constructor(
    private readonly kubeConfig: KubeConfigLike,
    private readonly path: string,
    private readonly options: WatchListOptions,
    private readonly toRecord: (raw: RawObject) => T,
  ) {
    this.backoff = new Backoff(options.backoff);
    this.what = options.what ?? describePath(path);
  }

  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    this.update({ state: 'starting' });
    void this.run(this.controller.signal);
  }

  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
    this.update({ state: 'stopped' });
  }

  items(): ReadonlyMap<string, T> {
    return this.records;
  }

  status(): WatchStatus {
    return { ...this.current };
  }

  onChange(listener: (changes: WatchChange<T>[]) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onStatus(listener: (status: WatchStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private update(patch: Partial<WatchStatus>): void {
    this.current = { ...this.current, ...patch, items: this.records.size };
    const snapshot = this.status();
    for (const listener of this.statusListeners) listener(snapshot);
  }

  private emit(changes: WatchChange<T>[]): void {
    if (changes.length === 0) return;
    this.current.items = this.records.size;
    for (const listener of this.changeListeners) listener(changes);
  }

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.list(signal);
          needList = false;
        }
        const healthy = await this.watch(signal);
        if (!healthy)
          await this.retryAfter(new KubeError('unreachable', `watch of ${this.what} closed at once`), signal);
      } catch (error) {
        if (signal.aborted) break;
        const failure = toKubeError(error, `watch ${this.what}`, this.server());
        if (isGone(failure)) {
          // Our resourceVersion (or continue token) was compacted away: only a new list helps.
          needList = true;
          continue;
        }
        await this.retryAfter(failure, signal);
      }
    }
  }

  private server(): string | undefined {
    try {
      return serverOf(this.kubeConfig);
    } catch {
      return undefined;
    }
  }

  private async retryAfter(failure: KubeError, signal: AbortSignal): Promise<void> {
    const denied = failure.kind === 'forbidden' || failure.kind === 'unauthorized';
    const delay = denied ? (this.options.deniedRetryMs ?? 30_000) : this.backoff.next();
    this.update({ state: 'reconnecting', lastError: failure, reconnects: this.current.reconnects + 1 });
    await sleep(delay, signal);
  }

  private query(extra: Record<string, string | number | boolean | undefined>): string {
    return withQuery(this.path, {
      fieldSelector: this.options.fieldSelector,
      labelSelector: this.options.labelSelector,
      ...extra,
    });
  }

  /** Paginated LIST into a fresh map, then one difference against what we had. */
  private async list(signal: AbortSignal): Promise<void> {
    this.update({ state: 'listing' });
    const fresh = new Map<string, T>();
    let token: string | undefined;
    let version = '';
    do {
      const page = await getJson<ListPage>(
        this.kubeConfig,
        this.query({ limit: this.options.pageSize ?? 250, continue: token }),
        `list ${this.what}`,
        signal,
      );
      for (const item of page.items ?? []) fresh.set(keyOf(item), this.toRecord(item));
      token = page.metadata?.continue || undefined;
      version = page.metadata?.resourceVersion ?? version;
    } while (token);
    if (signal.aborted) return;

    const changes: WatchChange<T>[] = [];
    for (const [key, record] of fresh) {
      const before = this.records.get(key);
      if (before === undefined) changes.push({ type: 'added', key, record });
      else if (!sameRecord(before, record)) changes.push({ type: 'modified', key, record });
    }
    for (const [key, record] of this.records)
      if (!fresh.has(key)) changes.push({ type: 'deleted', key, record });
    const relists = this.current.synced ? this.current.relists + 1 : this.current.relists;
    this.records = fresh;
    this.backoff.reset();
    this.update({ synced: true, relists, resourceVersion: version, lastError: undefined });
    this.emit(changes);
  }

  /**
   * One WATCH connection. Resolves when the server ends it (true if it was a healthy watch),
   * rejects on errors, on an ERROR event (410 → the caller relists) and when it goes silent.
   */
  private async watch(signal: AbortSignal): Promise<boolean> {
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 240 + Math.floor(Math.random() * 120);
    const response = await openGet(
      this.kubeConfig,
      this.query({
        watch: 1,
        resourceVersion: this.current.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
      }),
      `watch ${this.what}`,
      signal,
    );
    if (signal.aborted) {
      response.destroy();
      return true;
    }
    this.update({ state: 'watching', lastError: undefined });
    return this.readEvents(response, this.options.idleTimeoutMs ?? (timeoutSeconds + 30) * 1000);
  }

  private readEvents(response: http.IncomingMessage, idleTimeoutMs: number): Promise<boolean> {
    const started = Date.now();
    let lines = 0;
    return new Promise<boolean>((resolve, reject) => {
      const splitter = new LineSplitter();
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        if (error) {
          response.destroy();
          reject(error);
        } else resolve(lines > 0 || Date.now() - started >= minHealthyWatchMs);
      };
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          const silent = Math.round(idleTimeoutMs / 1000);
          finish(new KubeError('unreachable', `watch of ${this.what} silent for ${silent} s; reconnecting`));
        }, idleTimeoutMs);
      };
      const handle = (batch: string[]) => {
        for (const line of batch) {
          if (settled) return;
          if (lines++ === 0) this.backoff.reset();
          this.apply(JSON.parse(line) as WatchEvent);
        }
      };
      armIdle();
      response.on('data', (chunk: Buffer) => {
        armIdle();
        try {
          handle(splitter.push(chunk));
        } catch (error) {
          finish(error);
        }
      });
      response.on('end', () => {
        try {
          handle(splitter.end());
          finish();
        } catch (error) {
          finish(error);
        }
      });
      response.on('error', finish);
      // A socket torn down mid-stream may close without 'end' or 'error'.
      response.on('close', () =>
        finish(new KubeError('unreachable', `watch of ${this.what} connection lost`)),
      );
    });
  }

  private apply(event: WatchEvent): void {
    const object = event.object ?? {};
    if (event.type === 'ERROR') {
      const code = typeof object.code === 'number' ? object.code : 500;
      // "Expired"/"Gone" also arrive with other codes from proxies and old servers.
      const status = /^(Expired|Gone)$/.test(object.reason ?? '') ? 410 : code;
      throw toKubeError({ code: status, body: object }, `watch ${this.what}`, this.server());
    }
    const version = object.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (version) this.current.resourceVersion = version;
      return;
    }
    const key = keyOf(object);
    const before = this.records.get(key);
    let change: WatchChange<T> | undefined;
    if (event.type === 'DELETED') {
      if (before !== undefined) {
        this.records.delete(key);
        change = { type: 'deleted', key, record: before };
      }
    } else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
      const record = this.toRecord(object);
      this.records.set(key, record);
      if (before === undefined) change = { type: 'added', key, record };
      else if (!sameRecord(before, record)) change = { type: 'modified', key, record };
    }
    if (version) this.current.resourceVersion = version;
    if (change) this.emit([change]);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
