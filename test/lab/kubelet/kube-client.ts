import https from 'node:https';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';

/** managedFields name the harness "kubelet", as they name the real one. */
const USER_AGENT = 'kubelet/v1 (linux/amd64) clustertap-lab';

export class KubeError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

export const isNotFound = (e: unknown) => e instanceof KubeError && e.status === 404;
export const isConflict = (e: unknown) => e instanceof KubeError && e.status === 409;

export interface RequestOptions {
  contentType?: string;
  timeoutMs?: number;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/**
 * A small Kubernetes client over node:https. The kubeconfig's TLS material and headers come from
 * @kubernetes/client-node (applyToHTTPSOptions); the requests are ours, so watches are plain
 * line streams we can abort, and errors carry the API status.
 */
export class KubeClient {
  private constructor(
    private readonly server: URL,
    private readonly options: https.RequestOptions,
  ) {}

  static async fromKubeconfig(file: string, context = 'lab'): Promise<KubeClient> {
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    kc.setCurrentContext(context);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error(`${file}: context ${context} has no cluster`);
    const options: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(options);
    const { ca, cert, key, rejectUnauthorized, servername } = options;
    options.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 32,
      ca,
      cert,
      key,
      rejectUnauthorized,
      servername,
    });
    return new KubeClient(new URL(cluster.server), options);
  }

  request<T = unknown>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(new URL(path, this.server), {
        ...this.options,
        method,
        headers: {
          ...(this.options.headers as Record<string, string> | undefined),
          accept: 'application/json',
          'user-agent': USER_AGENT,
          // Always a length: Node sends DELETE bodies without one (no chunking), and they get ignored.
          ...(payload
            ? {
                'content-type': opts.contentType ?? 'application/json',
                'content-length': Buffer.byteLength(payload),
              }
            : {}),
        },
        timeout: opts.timeoutMs ?? 15_000,
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed as T);
          const s = parsed as { message?: string; reason?: string } | undefined;
          reject(new KubeError(status, `${method} ${path}: ${status} ${s?.message ?? text}`, s?.reason));
        });
      });
      req.end(payload);
    });
  }

  mergePatch<T = unknown>(path: string, patch: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, patch, { ...opts, contentType: 'application/merge-patch+json' });
  }

  /**
   * Streams a watch until the server ends it or `signal` aborts; rejects on connection errors and
   * non-200 answers. Events are delivered in order, one line at a time.
   */
  watch<T>(path: string, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = https.request(new URL(path, this.server), {
        ...this.options,
        method: 'GET',
        headers: {
          ...(this.options.headers as Record<string, string> | undefined),
          accept: 'application/json',
          'user-agent': USER_AGENT,
        },
        signal,
        // The server ends watches after timeoutSeconds and sends bookmarks; silence this long means a dead link.
        timeout: 330_000,
      });
      req.on('timeout', () => req.destroy(new Error(`watch ${path}: no data for 330 s`)));
      req.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new KubeError(res.statusCode ?? 0, `watch ${path}: ${res.statusCode}`));
        }
        let failure: Error | undefined;
        const finish = () => (failure && !signal.aborted ? reject(failure) : resolve());
        const lines = createInterface({ input: res });
        lines.on('error', () => undefined); // the response's own 'error' below reports it
        lines.on('line', (line) => {
          if (!line.trim() || failure) return;
          try {
            onEvent(JSON.parse(line) as WatchEvent<T>);
          } catch (e) {
            failure = e as Error;
            res.destroy();
          }
        });
        res.on('error', (e) => {
          failure ??= e;
          finish();
        });
        res.on('end', finish);
        res.on('close', finish);
      });
      req.end();
    });
  }

  close(): void {
    (this.options.agent as https.Agent).destroy();
  }
}
