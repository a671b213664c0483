import crypto from 'node:crypto';
import type http from 'node:http';
import {
  encodeRecordHeader,
  keepaliveRecord,
  STREAM_PATH,
  STREAM_TOKEN_HEADER,
} from '../../../main/broker/sources/api-stream-format.js';
import type { CapturedPacket } from './pcap-binding.js';

/** A client this far behind loses packets (counted) instead of growing the agent's memory. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
const KEEPALIVE_MS = 5000;

/**
 * The agent's end of the `api` transport: the desktop's GET /stream, through the API server's
 * pods/proxy, receives every packet the user-space captures see (api-stream-format.ts). Only a
 * request with the session's stream token (a Secret the deployer made) is answered: the port is
 * open on the node's network.
 */
export class StreamHub {
  private readonly clients = new Set<http.ServerResponse>();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly keepalive: NodeJS.Timeout;
  /** Packets no client was connected for, or a client was too far behind for. */
  dropped = 0;
  sent = 0;

  constructor(
    private readonly token: string | undefined,
    private readonly log: (line: string) => void,
  ) {
    this.keepalive = setInterval(() => this.writeAll(keepaliveRecord()), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  get connected(): number {
    return this.clients.size;
  }

  /** The health server's hook: true when the request was ours. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (req.url?.split('?')[0] !== STREAM_PATH) return false;
    if (!this.token) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('this agent has no stream token\n');
      return true;
    }
    if (!sameSecret(String(req.headers[STREAM_TOKEN_HEADER] ?? ''), this.token)) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('stream token missing or wrong\n');
      return true;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
    res.flushHeaders();
    this.clients.add(res);
    this.log(`stream client connected (${this.clients.size} now)`);
    const gone = () => {
      if (this.clients.delete(res)) this.log(`stream client gone (${this.clients.size} left)`);
    };
    res.on('close', gone);
    res.on('error', gone);
    return true;
  }

  /** Queues one packet; flush() sends the queue in one write per client. */
  add(tunnelId: number, packet: CapturedPacket): void {
    if (this.clients.size === 0) {
      this.dropped++;
      return;
    }
    const header = encodeRecordHeader(
      tunnelId,
      packet.seconds,
      packet.nanoseconds,
      packet.originalLength,
      packet.frame.length,
    );
    this.pending.push(header, packet.frame);
    this.pendingBytes += header.length + packet.frame.length;
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const chunk = Buffer.concat(this.pending, this.pendingBytes);
    const packets = this.pending.length / 2;
    this.pending = [];
    this.pendingBytes = 0;
    let delivered = false;
    for (const client of this.clients)
      if (client.writableLength > MAX_BACKLOG_BYTES) this.dropped += packets;
      else {
        client.write(chunk);
        delivered = true;
      }
    if (delivered) this.sent += packets;
  }

  close(): void {
    clearInterval(this.keepalive);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private writeAll(chunk: Buffer): void {
    for (const client of this.clients) if (client.writableLength <= MAX_BACKLOG_BYTES) client.write(chunk);
  }
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => crypto.createHash('sha256').update(text).digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}
