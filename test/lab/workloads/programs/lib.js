// Shared helpers for the lab's shop programs: peers, logging, a tiny DNS client and RESP client.
// Plain JavaScript, Node built-ins only, so the kubelet harness runs them without a build step.
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';

const PEERS_FILE = process.env.CLUSTERTAP_PEERS_FILE ?? '/etc/clustertap-lab/peers.json';
export const NAMESPACE = process.env.POD_NAMESPACE ?? 'shop';

export const log = (...parts) => console.log(new Date().toISOString(), ...parts);

/** Ready pods of an app, from the file the harness keeps current (there is no kube-proxy or DNS in the lab). */
export function peers(app, namespace = NAMESPACE) {
  try {
    const { pods } = JSON.parse(fs.readFileSync(PEERS_FILE, 'utf8'));
    return pods.filter((p) => p.app === app && p.namespace === namespace && p.ready && p.ip);
  } catch {
    return [];
  }
}

export const pick = (list) => list[Math.floor(Math.random() * list.length)];

/** The DNS question section for a name (type A, class IN). */
export function encodeQuestion(name) {
  const labels = name
    .split('.')
    .filter(Boolean)
    .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

/** Asks one of the shop's DNS pods for NAME's A records; resolves [] on timeout or NXDOMAIN. */
export function resolveA(name, timeoutMs = 500) {
  const server = pick(peers('dns'));
  if (!server) return Promise.resolve([]);
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const id = Math.floor(Math.random() * 65536);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    header.writeUInt16BE(0x0100, 2); // recursion desired
    header.writeUInt16BE(1, 4);
    const finish = (ips) => {
      clearTimeout(timer);
      socket.close();
      resolve(ips);
    };
    const timer = setTimeout(() => finish([]), timeoutMs);
    socket.on('error', () => finish([]));
    socket.on('message', (msg) => {
      if (msg.readUInt16BE(0) !== id) return;
      const answers = msg.readUInt16BE(6);
      const ips = [];
      // Answers follow the echoed question; each is a 2-byte name pointer, type, class, ttl, rdlength, rdata.
      let offset = 12 + encodeQuestion(name).length;
      for (let i = 0; i < answers && offset + 16 <= msg.length; i++) {
        const rdlength = msg.readUInt16BE(offset + 10);
        if (rdlength === 4) ips.push([...msg.subarray(offset + 12, offset + 16)].join('.'));
        offset += 12 + rdlength;
      }
      finish(ips);
    });
    socket.send(Buffer.concat([header, encodeQuestion(name)]), 53, server.ip);
  });
}

/** One RESP (Redis protocol) command over a fresh TCP connection; resolves the reply line(s). */
export function respCommand(host, port, args, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks = [];
    const timer = setTimeout(() => socket.destroy(new Error('timeout')), timeoutMs);
    socket.on('connect', () => {
      const parts = args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`);
      socket.write(`*${args.length}\r\n${parts.join('')}`);
    });
    socket.on('data', (d) => {
      chunks.push(d);
      const text = Buffer.concat(chunks).toString();
      const complete =
        /^[+\-:].*\r\n$/s.test(text) || /^\$-1\r\n$/.test(text) || /^\$\d+\r\n.*\r\n$/s.test(text);
      if (complete) {
        clearTimeout(timer);
        socket.end();
        resolve(text.startsWith('$') ? (text.startsWith('$-1') ? null : text.split('\r\n')[1]) : text.trim());
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Exit promptly on SIGTERM, as kubelet expects. */
export function exitOnSigterm(cleanup = () => {}) {
  process.on('SIGTERM', () => {
    cleanup();
    process.exit(0);
  });
}
