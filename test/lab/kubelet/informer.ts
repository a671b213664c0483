import type { Log } from './config.js';
import { type KubeClient, KubeError } from './kube-client.js';

interface KubeObject {
  metadata?: { uid?: string; resourceVersion?: string };
}

export type InformerEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * List + watch with the client-go informer's recovery rules, small: a 410 Gone (or any other
 * trouble) means re-list and diff against what we knew, so a restarted API server or a compacted
 * etcd never leaves the harness with stale pods; a watch the server ends normally resumes from the
 * last resourceVersion seen.
 */
export class Informer<T extends KubeObject> {
  readonly items = new Map<string, T>();
  private readonly abort = new AbortController();
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(
    private readonly api: KubeClient,
    private readonly listPath: string,
    private readonly query: Record<string, string>,
    private readonly onEvent: (type: InformerEvent, object: T) => void,
    private readonly log: Log,
  ) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.abort.abort();
  }

  /** Resolves after the first successful list. */
  hasSynced(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        let version = await this.relist();
        failures = 0;
        // Watch until the server says our version is too old, or anything fails.
        for (;;) {
          if (this.abort.signal.aborted) return;
          const next = await this.watchFrom(version);
          if (next === 'gone') break;
          version = next;
        }
      } catch (e) {
        if (this.abort.signal.aborted) return;
        failures++;
        if (failures === 1 || failures % 10 === 0)
          this.log(`watch ${this.listPath} failed (${(e as Error).message}); re-listing`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** failures)));
      }
    }
  }

  private url(extra: Record<string, string>): string {
    return `${this.listPath}?${new URLSearchParams({ ...this.query, ...extra })}`;
  }

  private async relist(): Promise<string> {
    const list = await this.api.request<{ items: T[]; metadata: { resourceVersion: string } }>(
      'GET',
      this.url({}),
    );
    const seen = new Set<string>();
    for (const item of list.items) {
      const uid = item.metadata?.uid ?? '';
      seen.add(uid);
      const known = this.items.get(uid);
      this.items.set(uid, item);
      if (known?.metadata?.resourceVersion !== item.metadata?.resourceVersion)
        this.onEvent(known ? 'MODIFIED' : 'ADDED', item);
    }
    for (const [uid, item] of this.items)
      if (!seen.has(uid)) {
        this.items.delete(uid);
        this.onEvent('DELETED', item);
      }
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    return list.metadata.resourceVersion;
  }

  /** Returns the version to resume from, or 'gone' when a re-list is needed. */
  private async watchFrom(version: string): Promise<string | 'gone'> {
    let latest = version;
    let gone = false;
    const path = this.url({
      watch: '1',
      resourceVersion: version,
      allowWatchBookmarks: 'true',
      timeoutSeconds: '240',
    });
    await this.api.watch<T>(
      path,
      (event) => {
        if (event.type === 'ERROR') {
          const status = event.object as { code?: number; message?: string };
          if (status.code === 410) gone = true;
          else throw new KubeError(status.code ?? 500, status.message ?? 'watch error');
          return;
        }
        latest = event.object.metadata?.resourceVersion ?? latest;
        if (event.type === 'BOOKMARK') return;
        const uid = event.object.metadata?.uid ?? '';
        if (event.type === 'DELETED') this.items.delete(uid);
        else this.items.set(uid, event.object);
        this.onEvent(event.type, event.object);
      },
      this.abort.signal,
    );
    return gone ? 'gone' : latest;
  }
}
