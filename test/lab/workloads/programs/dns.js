// shop-dns: a DNS responder on UDP 53 (PORT) answering A queries for the lab's pods by app
// label: "<app>", "<app>.<namespace>" or "<app>.<namespace>.svc.cluster.local". Real DNS wire
// format, so captures show proper DNS; everything else gets NXDOMAIN.
import dgram from 'node:dgram';
import { exitOnSigterm, log, NAMESPACE, peers } from './lib.js';

const port = Number(process.env.PORT ?? 53);

/** Reads the question name at offset 12; returns [name, end offset] or undefined. */
function questionName(msg) {
  const labels = [];
  let offset = 12;
  while (offset < msg.length) {
    const len = msg[offset];
    if (len === 0) return [labels.join('.'), offset + 1];
    if (len > 63) return undefined;
    labels.push(msg.subarray(offset + 1, offset + 1 + len).toString());
    offset += 1 + len;
  }
  return undefined;
}

function answer(query) {
  const q = questionName(query);
  if (!q || query.length < q[1] + 4) return undefined;
  const [name, end] = q;
  const qtype = query.readUInt16BE(end);
  const [app, namespace = NAMESPACE] = name.toLowerCase().split('.');
  const ips = qtype === 1 ? peers(app, namespace).map((p) => p.ip) : [];
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180 | (ips.length || qtype !== 1 ? 0 : 3), 2); // response, RD+RA, NXDOMAIN if none
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ips.length, 6);
  header.writeUInt32BE(0, 8);
  const records = ips.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
    rr.writeUInt16BE(1, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(5, 6); // TTL 5 s: pods come and go
    rr.writeUInt16BE(4, 10);
    Buffer.from(ip.split('.').map(Number)).copy(rr, 12);
    return rr;
  });
  return Buffer.concat([header, query.subarray(12, end + 4), ...records]);
}

let answered = 0;
const socket = dgram.createSocket('udp4');
socket.on('message', (msg, from) => {
  const reply = answer(msg);
  if (!reply) return;
  answered++;
  socket.send(reply, from.port, from.address);
});
socket.on('error', (e) => log(`shop-dns: ${e.message}`));
socket.bind(port, () => log(`shop-dns: answering on udp :${port}`));
setInterval(() => log(`shop-dns: ${answered} queries answered`), 60_000).unref();
exitOnSigterm(() => socket.close());
