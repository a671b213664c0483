// shop-web: HTTP on 8080 (PORT). GET /api/products/<id> looks up the db through DNS and reads the
// product over RESP; /healthz for the readiness probe.
import http from 'node:http';
import { exitOnSigterm, log, peers, pick, resolveA, respCommand } from './lib.js';

const port = Number(process.env.PORT ?? 8080);
let requests = 0;
let dbErrors = 0;

async function dbHost() {
  const ips = await resolveA(`db.${process.env.POD_NAMESPACE ?? 'shop'}.svc.cluster.local`);
  return pick(ips) ?? pick(peers('db'))?.ip;
}

const server = http.createServer(async (req, res) => {
  requests++;
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  const m = /^\/api\/products\/(\d+)$/.exec(req.url ?? '');
  if (!m) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  try {
    const host = await dbHost();
    if (!host) throw new Error('no db peer');
    await respCommand(host, 6379, ['INCR', `views:${m[1]}`]);
    const product = await respCommand(host, 6379, ['GET', `product:${m[1]}`]);
    res.writeHead(product ? 200 : 404, { 'content-type': 'application/json' });
    res.end(`${product ?? '{"error":"no such product"}'}\n`);
  } catch (e) {
    dbErrors++;
    res.writeHead(503, { 'content-type': 'text/plain' }).end(`db unavailable: ${e.message}\n`);
  }
});
server.keepAliveTimeout = 5000;
server.listen(port, () => log(`shop-web: HTTP on :${port}`));
setInterval(() => log(`shop-web: ${requests} requests, ${dbErrors} db errors`), 60_000).unref();
exitOnSigterm(() => server.close());
