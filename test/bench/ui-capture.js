// The scroll scenario's capture: N packets of east-west traffic between shop pods (TCP handshakes,
// HTTP requests answered with full-size segments and ACKs, database round trips, DNS, ICMP), 60 to
// 1514 bytes, on pcapng interfaces named as a tap names them ("lab-node-1/shop/web-0 (egress)"),
// written with the app's own PcapngWriter. Cached: the same N gives the same file.
import fs from 'node:fs';
import path from 'node:path';

const POD = {
  web0: { node: 'lab-node-1', ns: 'shop', name: 'web-0', ip: [10, 244, 1, 4] },
  web1: { node: 'lab-node-1', ns: 'shop', name: 'web-1', ip: [10, 244, 1, 5] },
  cart: { node: 'lab-node-2', ns: 'shop', name: 'cart-0', ip: [10, 244, 2, 3] },
  db: { node: 'lab-node-2', ns: 'shop', name: 'db-0', ip: [10, 244, 2, 4] },
  dns: { node: 'lab-node-3', ns: 'kube-system', name: 'coredns-0', ip: [10, 244, 3, 2] },
  pay: { node: 'lab-node-3', ns: 'shop', name: 'payments-0', ip: [10, 244, 3, 5] },
};
const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;
const LINKTYPE_ETHERNET = 1;
const DIRECTION = { ingress: 1, egress: 2 };

function checksum(bytes, start, end) {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet + IPv4 + `l4` (a header) + `payloadLength` bytes of filler; at least 60 bytes. */
function frame(src, dst, protocol, l4, payloadLength, id, text = '') {
  const ipLength = 20 + l4.length + Math.max(payloadLength, text.length);
  const bytes = new Uint8Array(Math.max(60, 14 + ipLength));
  bytes.set([0x02, 0x42, ...dst.ip.slice(0, 4)], 0);
  bytes.set([0x02, 0x42, ...src.ip.slice(0, 4)], 6);
  bytes.set([0x08, 0x00], 12);
  bytes.set(
    [0x45, 0, ipLength >> 8, ipLength & 0xff, (id >> 8) & 0xff, id & 0xff, 0x40, 0, 64, protocol],
    14,
  );
  bytes.set(src.ip, 26);
  bytes.set(dst.ip, 30);
  const sum = checksum(bytes, 14, 34);
  bytes[24] = sum >> 8;
  bytes[25] = sum & 0xff;
  bytes.set(l4, 34);
  for (let i = 0; i < text.length; i++) bytes[34 + l4.length + i] = text.charCodeAt(i);
  return bytes;
}

function tcp(sport, dport, seq, ack, flags) {
  const h = new Uint8Array(20);
  const v = new DataView(h.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint32(4, seq >>> 0);
  v.setUint32(8, ack >>> 0);
  h[12] = 5 << 4;
  h[13] = flags;
  v.setUint16(14, 64240);
  return h;
}

function udp(sport, dport, length) {
  const h = new Uint8Array(8);
  const v = new DataView(h.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, 8 + length);
  return h;
}

function dns(id, response) {
  const name = [4, 99, 97, 114, 116, 4, 115, 104, 111, 112, 3, 115, 118, 99, 0]; // cart.shop.svc
  const header = [
    id >> 8,
    id & 0xff,
    response ? 0x81 : 0x01,
    response ? 0x80 : 0,
    0,
    1,
    0,
    response ? 1 : 0,
    0,
    0,
    0,
    0,
  ];
  const answer = response ? [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, ...POD.cart.ip] : [];
  return String.fromCharCode(...header, ...name, 0, 1, 0, 1, ...answer);
}

/** One conversation, as [sender, receiver, frame] triples; `n` varies ports, sizes and ids. */
function conversation(n) {
  const kind = n % 10;
  const port = 40000 + (n % 20000);
  const out = [];
  const t = (a, b, sp, dp, seq, ack, flags, len, text) =>
    out.push([a, b, frame(a, b, 6, tcp(sp, dp, seq, ack, flags), len, n, text)]);
  if (kind <= 4) {
    // HTTP: handshake, GET, 1–6 full segments with ACKs, a short last one, FIN.
    const [client, server] = kind % 2 ? [POD.web0, POD.cart] : [POD.web1, POD.pay];
    const get = `GET /api/items/${n} HTTP/1.1\r\nHost: cart:8080\r\nUser-Agent: web/1.0\r\nAccept: application/json\r\n\r\n`;
    const segments = 1 + (n % 6);
    const last = 200 + ((n * 37) % 900);
    const head = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${segments * 1460 + last - 200}\r\n\r\n`;
    const c = 1001 + get.length;
    t(client, server, port, 8080, 1000, 0, SYN, 0);
    t(server, client, 8080, port, 5000, 1001, SYN | ACK, 0);
    t(client, server, port, 8080, 1001, 5001, ACK, 0);
    t(client, server, port, 8080, 1001, 5001, PSH | ACK, 0, get);
    let seq = 5001;
    for (let s = 0; s < segments; s++) {
      t(server, client, 8080, port, seq, c, ACK, 1460, s === 0 ? head : '');
      seq += 1460;
      if (s % 2) t(client, server, port, 8080, c, seq, ACK, 0);
    }
    t(server, client, 8080, port, seq, c, PSH | ACK, last);
    seq += last;
    t(client, server, port, 8080, c, seq, FIN | ACK, 0);
    t(server, client, 8080, port, seq, c + 1, ACK, 0);
  } else if (kind <= 7) {
    // Database round trips on a kept connection.
    const client = kind === 5 ? POD.cart : POD.pay;
    for (let q = 0; q < 3; q++) {
      t(client, POD.db, port, 7100, 100 + q * 1000, 900, PSH | ACK, 120 + ((n * 13 + q * 97) % 700));
      t(POD.db, client, 7100, port, 900, 1100 + q * 1000, PSH | ACK, 80 + ((n * 29 + q * 61) % 1400));
      t(client, POD.db, port, 7100, 1100 + q * 1000, 2500, ACK, 0);
    }
  } else if (kind === 8) {
    const client = n % 3 ? POD.web0 : POD.cart;
    const q = dns(n & 0xffff, false);
    const r = dns(n & 0xffff, true);
    out.push([client, POD.dns, frame(client, POD.dns, 17, udp(port, 53, q.length), 0, n, q)]);
    out.push([POD.dns, client, frame(POD.dns, client, 17, udp(53, port, r.length), 0, n, r)]);
  } else {
    for (const [a, b, type] of [
      [POD.web1, POD.db, 8],
      [POD.db, POD.web1, 0],
    ]) {
      const icmp = new Uint8Array(8);
      icmp[0] = type;
      icmp[7] = n & 0xff;
      out.push([a, b, frame(a, b, 1, icmp, 56, n)]);
    }
  }
  return out;
}

/** Writes `count` packets to `file` with the core's writer (dist/main); resolves with the byte size. */
export async function writeCapture(repo, file, count) {
  const { PcapngWriter } = await import(path.join(repo, 'dist/main/capture/pcapng-writer.js'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const writer = new PcapngWriter({
    target: partial,
    section: { application: 'ClusterTap ui-bench' },
    statistics: () => [],
    onError: (error) => {
      throw error;
    },
  });
  const ids = new Map();
  const interfaceOf = (pod, direction) => {
    const name = `${pod.node}/${pod.ns}/${pod.name} (${direction})`;
    if (!ids.has(name))
      ids.set(
        name,
        writer.addInterface({ linkType: LINKTYPE_ETHERNET, snapLength: 262144, name, tsResolution: 6 }),
      );
    return ids.get(name);
  };
  // 10 000 packets a second of capture time, from a fixed start (the file is reproducible).
  let micros = Date.UTC(2026, 10, 30, 12, 0, 0) * 1000;
  let written = 0;
  for (let n = 0; written < count; n++) {
    for (const [sender, receiver, bytes] of conversation(n)) {
      if (written === count) break;
      // Half the conversations as the sender's pod sends them, half as the receiver's receives them.
      const direction = n % 2 ? 'ingress' : 'egress';
      const id = interfaceOf(direction === 'egress' ? sender : receiver, direction);
      micros += 50 + ((written * 7919) % 100);
      if (
        !writer.writePacket(
          id,
          Math.floor(micros / 2 ** 32),
          micros >>> 0,
          bytes,
          bytes.length,
          DIRECTION[direction],
        )
      )
        throw new Error('the pcapng writer dropped a packet');
      written++;
      if ((written & 4095) === 0) await writer.whenWritable();
    }
  }
  await writer.close();
  fs.renameSync(partial, file);
  return fs.statSync(file).size;
}

/** The cached capture of `count` packets, written first if missing (or older than this script). */
export async function captureFile(repo, dir, count) {
  const file = path.join(dir, `ui-bench-${count}.pcapng`);
  if (!fs.existsSync(file) || fs.statSync(file).mtimeMs < fs.statSync(import.meta.filename).mtimeMs) {
    const started = Date.now();
    process.stderr.write(`ui-bench: writing ${count.toLocaleString('en')} packets to ${file}…\n`);
    const size = await writeCapture(repo, file, count);
    process.stderr.write(
      `ui-bench: ${(size / 2 ** 20).toFixed(0)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  }
  return file;
}
