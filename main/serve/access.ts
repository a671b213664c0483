import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';

/**
 * Who may use a `clustertap serve`: the core behind it holds the user's cluster credentials, so
 * a page must not be able to reach it just because it runs in the same browser.
 *
 * - Loopback bind (127.0.0.0/8, ::1): no token, but the Host header must name the loopback
 *   address we listen on (DNS rebinding: a hostile name resolving to 127.0.0.1 is refused) and a
 *   browser's Origin must be that same address (cross-site WebSocket hijacking, CSRF).
 * - Any other bind (or --token): a random token, printed in the URL like Jupyter; `?token=` is
 *   exchanged for an HttpOnly SameSite=Strict cookie and required on every request and on the
 *   WebSocket upgrade (cookie, or `Authorization: Bearer`). Origin must match Host.
 */

/** 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  if (net.isIPv6(bare)) {
    if (bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
    return mapped ? (mapped[1] ?? '').startsWith('127.') : false;
  }
  return false;
}

/** host:port as a browser writes it in Host and Origin (IPv6 in brackets, default port 80 omitted). */
export function hostPort(host: string, port: number): string {
  const name = net.isIPv6(host) ? `[${host}]` : host;
  return port === 80 ? name : `${name}:${port}`;
}

export interface AccessOptions {
  /** The address we listen on (as given to --bind). */
  bind: string;
  port: number;
  /** Set: every request needs it. */
  token?: string;
}

export type Verdict = { ok: true } | { ok: false; status: 400 | 401 | 403; reason: string };

export class Access {
  readonly token: string | undefined;
  /** Cookies are not port-scoped: two servers on one host get two names. */
  readonly cookieName: string;
  /** Loopback mode: the Host values we answer to. Token mode: any (the token is the check). */
  private readonly hosts: Set<string> | undefined;
  private readonly tokenHash: Buffer | undefined;

  constructor(options: AccessOptions) {
    this.token = options.token;
    this.cookieName = `clustertap-${options.port}`;
    this.tokenHash = options.token ? digest(options.token) : undefined;
    if (options.token) this.hosts = undefined;
    else {
      const names = new Set(['localhost', '127.0.0.1', '::1', options.bind.replace(/^\[|\]$/g, '')]);
      this.hosts = new Set([...names].map((name) => hostPort(name, options.port).toLowerCase()));
    }
  }

  get requiresToken(): boolean {
    return this.token !== undefined;
  }

  /** Host header (DNS rebinding) and, when a browser sent one, Origin (cross-site requests). */
  checkHostAndOrigin(req: http.IncomingMessage, requireOrigin = false): Verdict {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!host) return { ok: false, status: 400, reason: 'the request has no Host header' };
    if (this.hosts && !this.hosts.has(host))
      return {
        ok: false,
        status: 403,
        reason: `this server answers only to ${[...this.hosts].join(', ')}, not to "${host}" (a page using another name for this address is refused)`,
      };
    const origin = req.headers.origin;
    if (origin === undefined)
      return requireOrigin
        ? { ok: false, status: 403, reason: 'the request has no Origin header' }
        : { ok: true };
    if (origin.toLowerCase() !== `http://${host}` && origin.toLowerCase() !== `https://${host}`)
      return { ok: false, status: 403, reason: `requests from ${origin} are not allowed (cross-site)` };
    return { ok: true };
  }

  /** Token mode: the cookie, or `Authorization: Bearer`; loopback mode: always ok. */
  checkToken(req: http.IncomingMessage): Verdict {
    if (!this.tokenHash) return { ok: true };
    const presented = this.cookieToken(req) ?? bearer(req);
    if (presented !== undefined && this.matches(presented)) return { ok: true };
    return {
      ok: false,
      status: 401,
      reason:
        'this ClusterTap server needs its access token: open the URL that `clustertap serve` printed (it ends in ?token=…)',
    };
  }

  /** Constant-time comparison of a presented token with ours. */
  matches(presented: string): boolean {
    return this.tokenHash !== undefined && timingSafeEqual(digest(presented), this.tokenHash);
  }

  /** The Set-Cookie value that stands for the token from now on. */
  cookie(): string {
    return `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }

  private cookieToken(req: http.IncomingMessage): string | undefined {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const at = part.indexOf('=');
      if (at > 0 && part.slice(0, at).trim() === this.cookieName) return part.slice(at + 1).trim();
    }
    return undefined;
  }
}

function bearer(req: http.IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
