import type http from 'node:http';

/**
 * Headers on every response. The CSP is renderer/index.html's (`default-src 'self'; script-src
 * 'self'; style-src 'self' 'unsafe-inline'`) plus directives that only restrict further, and the
 * page's own WebSocket (`'self'` covers ws: only in CSP3 browsers).
 */
export const RENDERER_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'";

export function contentSecurityPolicy(host: string | undefined): string {
  const ws = host && /^[a-z0-9.:[\]-]+$/i.test(host) ? ` ws://${host}` : '';
  return `${RENDERER_CSP}; connect-src 'self'${ws}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
}

export function securityHeaders(req: http.IncomingMessage): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(req.headers.host),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c] ?? c);
}

/** A small self-contained page (no script, inline style allowed by the CSP) for errors and notices. */
export function page(title: string, sentence: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ClusterTap — ${escapeHtml(title)}</title></head>
<body style="font-family: system-ui, sans-serif; margin: 2rem; max-width: 44rem">
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(sentence)}</p>
</body>
</html>
`;
}

export function sendPage(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  title: string,
  sentence: string,
  extra: Record<string, string> = {},
): void {
  const body = page(title, sentence);
  res.writeHead(status, {
    ...securityHeaders(req),
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendJson(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  value: unknown,
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...securityHeaders(req),
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
