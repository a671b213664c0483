import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { securityHeaders, sendPage } from './headers.js';

/**
 * The built renderer (dist/renderer/, produced by `npm run build`) as static files. Paths are
 * resolved inside the directory only; an unknown path without an extension gets index.html (the
 * UI routes itself). When nothing is built yet, every page says how to build it.
 */

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** dist/renderer of the repository this module belongs to (found by walking up to package.json). */
export function defaultRendererDir(from = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'renderer');
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from, '../../renderer');
    dir = parent;
  }
}

/** The file under `root` that `urlPath` names, or undefined when it escapes or is malformed. */
export function resolveStatic(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return undefined;
  const file = path.resolve(root, ...segments);
  return file === root || file.startsWith(root + path.sep) ? file : undefined;
}

export function serveStatic(
  root: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  urlPath: string,
): void {
  const index = path.join(root, 'index.html');
  if (!fs.existsSync(index)) {
    sendPage(
      req,
      res,
      503,
      'The ClusterTap UI is not built',
      `There is no ${index}. Run \`npm run build\` in the ClusterTap repository, then reload this page. (The API at /api works without it.)`,
    );
    return;
  }
  let file = urlPath === '/' ? index : resolveStatic(root, urlPath);
  let stat = file ? statOf(file) : undefined;
  // The UI routes itself: an unknown path without an extension gets the page.
  if (file && !stat?.isFile() && path.extname(file) === '') {
    file = index;
    stat = statOf(file);
  }
  if (!file || !stat?.isFile()) {
    sendPage(req, res, 404, 'Not found', `There is no ${urlPath} here.`);
    return;
  }
  const html = file.endsWith('.html');
  res.writeHead(200, {
    ...securityHeaders(req),
    'Content-Type': types[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': stat.size,
    // The page is small and may change with a rebuild; bundles are revalidated.
    'Cache-Control': html ? 'no-store' : 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  const stream = fs.createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}
