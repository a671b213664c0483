import fs from 'node:fs';
import https from 'node:https';
import type { LabPki } from './pki.js';

/** A minimal admin client for bulk object creation (scale mode), with one keep-alive agent. */
export class AdminClient {
  private readonly agent: https.Agent;

  constructor(
    private readonly server: string,
    pki: LabPki,
  ) {
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 32,
      ca: fs.readFileSync(pki.caCert),
      cert: fs.readFileSync(pki.clients.admin.cert),
      key: fs.readFileSync(pki.clients.admin.key),
    });
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${this.server}${path}`,
        { method, agent: this.agent, headers: payload ? { 'content-type': contentType } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if ((res.statusCode ?? 500) >= 300)
              reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
            else resolve(text ? JSON.parse(text) : undefined);
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `task` for 0..count-1 with at most `parallel` in flight; reports progress every second. */
export async function inParallel(
  count: number,
  parallel: number,
  task: (i: number) => Promise<unknown>,
  progress: (done: number) => void,
): Promise<void> {
  let next = 0;
  let done = 0;
  const timer = setInterval(() => progress(done), 1000);
  try {
    await Promise.all(
      Array.from({ length: Math.min(parallel, count) }, async () => {
        while (next < count) {
          const i = next++;
          await task(i);
          done++;
        }
      }),
    );
  } finally {
    clearInterval(timer);
  }
  progress(done);
}
