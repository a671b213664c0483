import http from 'node:http';

/** /healthz (process alive) and /readyz (ready to mirror) for the kubelet's probes, plus `extra`. */
export interface HealthServer {
  setReady(ready: boolean, why: string): void;
  close(): Promise<void>;
}

/** Another endpoint on the same port (the api transport's stream): true when it answered. */
export type ExtraRoute = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

export async function startHealthServer(
  port: number,
  host = '0.0.0.0',
  extra?: ExtraRoute,
): Promise<HealthServer> {
  let ready = false;
  let reason = 'starting';
  const server = http.createServer((req, res) => {
    if (extra?.(req, res)) return;
    const ok = req.url === '/healthz' || (req.url === '/readyz' && ready);
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(`${ok ? 'ok' : reason}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    setReady(value, why) {
      ready = value;
      reason = why;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Streaming clients would hold close() open for ever.
        server.closeAllConnections();
      }),
  };
}
