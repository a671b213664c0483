import { compileBpfProgram, FilterSyntaxError } from '../broker/filter/capture-filter.js';
import type { ClusterCniDto } from '../ipc/contract/cni.js';
import type { UiSettings } from '../ipc/contract/settings.js';
import { EventBus } from '../ipc/event-bus.js';
import type { Handlers } from '../ipc/router.js';
import type { RequestInput, RequestResult } from '../ipc/types.js';
import { type ClusterCni, detectClusterCni } from '../kube/cni/index.js';
import type { KubeConfigLike } from '../kube/inventory/api-request.js';
import { createInventory, type Inventory } from '../kube/inventory/index.js';
import { type KubeconfigSource, probeCluster, type WatchOptions } from '../kube/kubeconfig/index.js';
import { CaptureCore } from './capture/capture-core.js';
import { ContextsService } from './contexts-service.js';
import { AppError } from './errors.js';
import { FileGrants } from './file-grants.js';
import { type FeedTarget, InventoryFeed, type InventoryFeedDeps } from './inventory-feed.js';
import { memorySettingsStore, type Settings, type SettingsStore } from './settings-store.js';

/**
 * The core the UI talks to, the same in the Electron window and behind `clustertap serve`: one
 * handler per request channel of the contract (main/ipc/contract/), built on the kube modules.
 * Everything it needs comes in through `AppCoreDeps`; nothing is reached for globally.
 */

/**
 * serve's one-time download URLs (main/serve/transfers.ts DownloadRegistry): how a browser saves a
 * file the core wrote. Channels that save (capture, flows) use AppCore.offerDownload in serve mode.
 */
export interface DownloadOffer {
  register(
    file: string,
    options: { name: string; contentType?: string; deleteAfter?: boolean; ttlMs?: number },
  ): { id: string; url: string };
}

/** Native file dialogs (Electron only): answer the path the user chose, or null when cancelled. */
export interface NativeDialogs {
  openCapture(): Promise<string | null>;
  save(kind: 'capture' | 'flows', suggestedName: string | undefined): Promise<string | null>;
}

export interface AppCoreDeps {
  mode: 'electron' | 'serve';
  version: string;
  /** --kubeconfig, $KUBECONFIG, ~/.kube/config; `context` (--context) is the starting context. */
  source: KubeconfigSource;
  bus?: EventBus;
  /** Default: in memory (nothing survives a restart). */
  settings?: SettingsStore;
  files?: FileGrants;
  dialogs?: NativeDialogs;
  /** serve: one-time /download/<id> URLs for files the core wrote. */
  downloads?: DownloadOffer;
  /** serve: the browser can POST /upload a capture (it becomes a file id in `files`). */
  uploads?: boolean;
  electronVersion?: string | null;
  /** Kubeconfig file watching; false: read once (tests). */
  watchKubeconfig?: WatchOptions | false;
  inventory?: Partial<InventoryFeedDeps>;
  /** Seams for tests; defaults are the real modules. */
  probe?: typeof probeCluster;
  detectCni?: (kubeConfig: KubeConfigLike, inventory: Inventory) => Promise<ClusterCni>;
  /** How long cni.detect may take; default 20 s. */
  cniTimeoutMs?: number;
  /** UDP port the broker listens on for the agents' VXLAN tunnels (default 4789). */
  vxlanPort?: number;
  /** Where the packet store spills packet bytes (default: the OS temp directory). */
  tempDirectory?: string;
}

type Answer<C extends keyof Handlers> = Promise<RequestResult<C>> | RequestResult<C>;

export class AppCore {
  readonly bus: EventBus;
  readonly files: FileGrants;
  readonly settings: SettingsStore;
  readonly contexts: ContextsService;
  readonly inventory: InventoryFeed;
  readonly capture: CaptureCore;
  private feedFingerprint: string;
  private stopContexts: (() => void) | undefined;

  constructor(private readonly deps: AppCoreDeps) {
    this.bus = deps.bus ?? new EventBus();
    this.files = deps.files ?? new FileGrants();
    this.settings = deps.settings ?? memorySettingsStore();
    this.contexts = new ContextsService({
      source: deps.source,
      lastContext: this.settings.get().lastContext,
      watch: deps.watchKubeconfig,
    });
    this.feedFingerprint = this.contexts.currentContext().fingerprint;
    this.inventory = new InventoryFeed({ createInventory, ...deps.inventory }, () => this.feedTarget());
    this.capture = new CaptureCore({
      bus: this.bus,
      files: this.files,
      connection: (context) => this.contexts.connection(context),
      ...(deps.downloads && {
        offerDownload: (file: string, name: string) => this.offerDownload(file, { name, deleteAfter: true }),
      }),
      podOf: (ip) => this.podOf(ip),
      canLaunchWireshark: deps.mode === 'electron',
      ...(deps.vxlanPort !== undefined && { vxlanPort: deps.vxlanPort }),
      ...(deps.tempDirectory && { tempDirectory: deps.tempDirectory }),
    });
  }

  /** Starts watching the kubeconfig; contexts.changed follows every change. */
  start(): this {
    this.stopContexts = this.contexts.onChange((state, current) => {
      this.bus.emit('contexts.changed', state);
      if (current.fingerprint === this.feedFingerprint) return;
      this.feedFingerprint = current.fingerprint;
      this.inventory.contextChanged();
    });
    this.contexts.start();
    return this;
  }

  /** Stops a running tap (removing its agents), every watch, and writes pending settings. */
  async close(): Promise<void> {
    await this.capture.close();
    this.stopContexts?.();
    this.contexts.stop();
    this.inventory.stop();
    this.settings.flush();
    this.files.dispose();
  }

  handlers(): Handlers {
    return {
      'app.info': () => this.info(),
      'contexts.list': () => this.contexts.state(),
      'contexts.use': (payload) => this.useContext(payload),
      'cluster.probe': (payload) => this.probe(payload),
      'inventory.subscribe': (payload, caller) => this.inventory.subscribe(caller, payload.namespaces),
      'inventory.unsubscribe': (_payload, caller) => {
        this.inventory.unsubscribe(caller.id);
        return {};
      },
      'cni.detect': () => this.detectCni(),
      'filter.validate': (payload) => validateFilter(payload),
      'settings.get': () => uiSettings(this.settings.get()),
      'settings.update': (payload) => this.updateSettings(payload),
      ...this.capture.handlers(),
      'dialog.openCapture': () => this.openDialog(),
      'dialog.saveCapture': (payload) => this.saveDialog(payload),
    };
  }

  info(): RequestResult<'app.info'> {
    return {
      name: 'ClusterTap',
      version: this.deps.version,
      mode: this.deps.mode,
      platform: process.platform,
      arch: process.arch,
      versions: { node: process.versions.node, electron: this.deps.electronVersion ?? null },
      features: {
        nativeDialogs: this.deps.dialogs !== undefined,
        downloads: this.deps.downloads !== undefined,
        uploads: this.deps.uploads ?? false,
      },
    };
  }

  /**
   * serve mode: a one-time URL the browser downloads `file` from (the page then navigates to it).
   * Throws AppError(unavailable) where there is no browser to download (Electron: use a dialog).
   */
  offerDownload(
    file: string,
    options: { name: string; contentType?: string; deleteAfter?: boolean },
  ): { url: string } {
    if (!this.deps.downloads)
      throw new AppError('unavailable', 'downloads exist only when ClusterTap runs as `clustertap serve`');
    return { url: this.deps.downloads.register(file, options).url };
  }

  /** "namespace/pod" of a pod address, from the running inventory (flows name their ends). */
  private podOf(ip: string): string | null {
    const pods = this.inventory.running()?.inventory.snapshot().pods ?? [];
    const pod = pods.find((p) => p.podIPs.includes(ip) && !p.hostNetwork);
    return pod ? `${pod.namespace}/${pod.name}` : null;
  }

  private useContext(payload: RequestInput<'contexts.use'>): Answer<'contexts.use'> {
    const state = this.contexts.use(payload.context);
    this.settings.update((s) => ({ ...s, lastContext: payload.context }));
    return state;
  }

  private async probe(payload: RequestInput<'cluster.probe'>): Promise<RequestResult<'cluster.probe'>> {
    const { name, kubeConfig } = this.contexts.connection(payload.context);
    const probe = this.deps.probe ?? probeCluster;
    const result = await probe(kubeConfig, payload.timeoutMs);
    if (result.reachable)
      return { context: name, server: kubeConfig.server, reachable: true, version: result.version };
    return {
      context: name,
      server: kubeConfig.server,
      reachable: false,
      reason: result.reason,
      error: { kind: result.error.kind, message: result.error.message },
    };
  }

  private async detectCni(): Promise<ClusterCniDto> {
    const { name, kubeConfig } = this.contexts.connection();
    const detect =
      this.deps.detectCni ??
      ((config: KubeConfigLike, inventory: Inventory) => detectClusterCni({ kubeConfig: config, inventory }));
    const running = this.inventory.running();
    const shared = running?.context === name ? running.inventory : undefined;
    const inventory =
      shared ??
      createInventory({
        kubeConfig,
        ...(this.deps.inventory?.watch && { watch: this.deps.inventory.watch }),
      });
    if (!shared) inventory.start();
    const timeoutMs = this.deps.cniTimeoutMs ?? 20_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        detect(kubeConfig, inventory),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new AppError(
                  'timeout',
                  `cannot tell the CNI of ${name}: the API server did not list nodes, pods and DaemonSets within ${timeoutMs / 1000} s`,
                ),
              ),
            timeoutMs,
          );
        }),
      ]);
      return {
        context: name,
        nodes: result.nodes,
        summary: result.summary,
        supported: result.supported,
        warnings: result.warnings,
      };
    } finally {
      clearTimeout(timer);
      if (!shared) inventory.stop();
    }
  }

  private updateSettings(payload: RequestInput<'settings.update'>): UiSettings {
    const next = this.settings.update((s) => ({
      ...s,
      selections: merge(s.selections, payload.selections),
      columns: merge(s.columns, payload.columns),
      policy: payload.policy === undefined ? s.policy : payload.policy,
    }));
    return uiSettings(next);
  }

  private async openDialog(): Promise<RequestResult<'dialog.openCapture'>> {
    const dialogs = this.requireDialogs();
    const file = await dialogs.openCapture();
    return { file: file === null ? null : this.files.grant(file, 'read') };
  }

  private async saveDialog(
    payload: RequestInput<'dialog.saveCapture'>,
  ): Promise<RequestResult<'dialog.saveCapture'>> {
    const dialogs = this.requireDialogs();
    const file = await dialogs.save(payload.kind, payload.suggestedName);
    return { file: file === null ? null : this.files.grant(file, 'write') };
  }

  private requireDialogs(): NativeDialogs {
    if (!this.deps.dialogs)
      throw new AppError('unavailable', 'native file dialogs exist only in the ClusterTap desktop app');
    return this.deps.dialogs;
  }

  private feedTarget(): FeedTarget {
    const name = this.contexts.currentContext().name ?? '';
    try {
      const { kubeConfig } = this.contexts.connection();
      return { context: name, kubeConfig };
    } catch (error) {
      const problem =
        error instanceof Error && 'kind' in error
          ? { kind: (error as AppError).kind, message: error.message }
          : { kind: 'kubeconfig' as const, message: String(error) };
      return { context: name, error: problem };
    }
  }
}

function validateFilter(payload: RequestInput<'filter.validate'>): RequestResult<'filter.validate'> {
  const { expression, linkType } = payload;
  try {
    const words = compileBpfProgram(expression, linkType);
    return { valid: true, expression, instructions: words.length / 4 };
  } catch (error) {
    if (error instanceof FilterSyntaxError) return { valid: false, expression, message: error.reason };
    throw new AppError('unavailable', (error as Error).message);
  }
}

function uiSettings(settings: Settings): UiSettings {
  const { window: _window, ...ui } = settings;
  return ui;
}

/** Applies a per-key patch: a value replaces, null deletes. */
function merge<T>(
  current: Record<string, T>,
  patch: Record<string, T | null> | undefined,
): Record<string, T> {
  if (!patch) return current;
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}
