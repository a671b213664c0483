// shop-client: the shop's "frontend"/load generator. Every INTERVAL_MS (1 s) it resolves the web
// tier through DNS and fetches a product over HTTP; it never gives up (peers come and go).
import http from 'node:http';
import { exitOnSigterm, log, peers, pick, resolveA } from './lib.js';

const interval = Number(process.env.INTERVAL_MS ?? 1000);
let ok = 0;
let failed = 0;

function get(host, path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port: 8080, path, timeout: 2000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function tick() {
  try {
    const ips = await resolveA(`web.${process.env.POD_NAMESPACE ?? 'shop'}.svc.cluster.local`);
    const host = pick(ips) ?? pick(peers('web'))?.ip;
    if (!host) throw new Error('no web peer yet');
    const status = await get(host, `/api/products/${1 + Math.floor(Math.random() * 50)}`);
    if (status === 200) ok++;
    else failed++;
  } catch {
    failed++;
  }
}

const timer = setInterval(() => void tick(), interval);
setInterval(() => log(`shop-client: ${ok} ok, ${failed} failed`), 30_000).unref();
log(`shop-client: one request every ${interval} ms`);
exitOnSigterm(() => clearInterval(timer));
