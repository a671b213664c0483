import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileGrants } from '../app/file-grants.js';
import { securityHeaders, sendJson, sendPage } from './headers.js';

/**
 * Files between the core and a browser. Saving: core code registers a file and hands the UI a
 * one-time URL `/download/<id>` (the browser's own download then saves it wherever the user
 * wants). Opening: the browser streams the file to `POST /upload`; it lands in a private temporary
 * directory, size-limited, and the UI gets a file id (main/app/file-grants.ts) for the channel
 * that opens captures.
 */

export interface DownloadOptions {
  /** The name the browser saves it as. */
  name: string;
  contentType?: string;
  /** Delete the file once it was downloaded (or expired): for temporary exports. */
  deleteAfter?: boolean;
  /** Default 10 minutes. */
  ttlMs?: number;
}

interface Download extends DownloadOptions {
  file: string;
  expires: number;
}

export class DownloadRegistry {
  private readonly entries = new Map<string, Download>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A one-time URL path for `file`. */
  register(file: string, options: DownloadOptions): { id: string; url: string } {
    this.expire();
    const id = randomBytes(24).toString('base64url');
    this.entries.set(id, { ...options, file, expires: this.now() + (options.ttlMs ?? 10 * 60_000) });
    return { id, url: `/download/${id}` };
  }

  /** The download behind `id`, removed: a second request gets 404. */
  take(id: string): Download | undefined {
    this.expire();
    const entry = this.entries.get(id);
    this.entries.delete(id);
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }

  dispose(): void {
    for (const entry of this.entries.values()) if (entry.deleteAfter) fs.rmSync(entry.file, { force: true });
    this.entries.clear();
  }

  private expire(): void {
    for (const [id, entry] of this.entries) {
      if (entry.expires > this.now()) continue;
      this.entries.delete(id);
      if (entry.deleteAfter) fs.rmSync(entry.file, { force: true });
    }
  }
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function serveDownload(
  downloads: DownloadRegistry,
  id: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const entry = downloads.take(id);
  let stat: fs.Stats | undefined;
  try {
    stat = entry && fs.statSync(entry.file);
  } catch {
    stat = undefined;
  }
  if (!entry || !stat) {
    sendPage(
      req,
      res,
      404,
      'Download no longer available',
      'This download link was already used or has expired; save the capture again.',
    );
    return;
  }
  res.writeHead(200, {
    ...securityHeaders(req),
    'Content-Type': entry.contentType ?? 'application/octet-stream',
    'Content-Length': stat.size,
    'Content-Disposition': contentDisposition(entry.name),
    'Cache-Control': 'no-store',
  });
  const stream = fs.createReadStream(entry.file);
  const done = () => {
    if (entry.deleteAfter) fs.rmSync(entry.file, { force: true });
  };
  pipeline(stream, res).then(done, done);
}

export interface UploadOptions {
  files: FileGrants;
  maxBytes: number;
  /** Where uploads go; default a private directory under the system temp dir. */
  dir: string;
}

/** A private directory (0700) for uploads; the caller removes it at exit. */
export function uploadDirectory(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'clustertap-uploads-'));
}

export function uploadName(raw: string | null): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const clean = base.replace(/[\0-\x1f\x7f]/g, '').slice(0, 255);
  return clean || 'upload.pcapng';
}

function size(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${Math.round((bytes / 1024 ** 3) * 10) / 10} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round((bytes / 1024 ** 2) * 10) / 10} MiB`;
  return `${bytes} bytes`;
}

class TooLarge extends Error {}

export async function receiveUpload(
  options: UploadOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const tooLarge = () => {
    // Answer, then drop the connection rather than read the rest of a huge body.
    res.on('finish', () => req.socket.destroy());
    res.setHeader('Connection', 'close');
    sendJson(req, res, 413, {
      ok: false,
      error: {
        kind: 'bad-request',
        message: `the file is larger than the upload limit of ${size(options.maxBytes)}; start clustertap serve with a larger --max-upload, or open the file in the desktop app`,
      },
    });
  };
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > options.maxBytes) return tooLarge();
  const name = uploadName(url.searchParams.get('name'));
  const file = path.join(options.dir, `${randomBytes(12).toString('hex')}-${name.replace(/[^\w.-]/g, '_')}`);
  let received = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      callback(received > options.maxBytes ? new TooLarge() : null, chunk);
    },
  });
  // Not pipeline(req, …): it would destroy the request (and the socket) before we could answer 413.
  req.pipe(limit);
  req.on('close', () => {
    if (!req.complete) limit.destroy(new Error('the upload was interrupted'));
  });
  try {
    await pipeline(limit, fs.createWriteStream(file, { mode: 0o600, flags: 'wx' }));
  } catch (error) {
    req.unpipe(limit);
    fs.rmSync(file, { force: true });
    if (error instanceof TooLarge) return tooLarge();
    if (!res.headersSent && !res.destroyed)
      sendJson(req, res, 400, {
        ok: false,
        error: { kind: 'io', message: 'the upload was interrupted; try again' },
      });
    return;
  }
  const ref = options.files.grant(file, 'read', { name, temporary: true });
  sendJson(req, res, 201, { ok: true, value: ref });
}
