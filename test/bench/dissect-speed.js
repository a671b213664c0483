// Dissector speed: packets per second for the packet list's fast path (summarizePacket: columns
// and colour), the detail pane's full dissection (dissectPacket: tree and fields), and display
// filters (parse once, then evaluate), over a synthetic mix of the traffic a cluster carries.
//
//   npx tsc -p tsconfig.json && node test/bench/dissect-speed.js [--seconds 2] [--json]
//
// Single-threaded, in this process; the numbers depend on the machine (and on what else runs).
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '2' }, json: { type: 'boolean', default: false } },
});
const SECONDS = Number(values.seconds);

let dissect;
let filters;
let parse;
try {
  dissect = await import('../../dist/main/dissect/dissect.js');
  filters = await import('../../dist/main/dissect/display-filter/display-filter.js');
  parse = await import('../../dist/main/dissect/parse.js');
} catch (error) {
  console.error(`dist/ is not built (${error.message}); run: npx tsc -p tsconfig.json`);
  process.exit(1);
}
const { dissectPacket, summarizePacket } = dissect;
const { compileDisplayFilter } = filters;
const { parsePacket } = parse;

// ---- synthetic traffic -------------------------------------------------------------------------

const hex = (text) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const u16 = (n) => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const ETH_IPV4 = hex('02000000000202000000000108 00');
const ETH_IPV6 = hex('02000000000202000000000186 dd');

function ipv4(protocol, src, dst, payload, ttl = 64) {
  const header = Buffer.from([
    0x45,
    0,
    ...u16(20 + payload.length),
    0,
    1,
    0x40,
    0,
    ttl,
    protocol,
    0,
    0,
    ...src,
    ...dst,
  ]);
  return Buffer.concat([ETH_IPV4, header, payload]);
}

function ipv6(next, payload) {
  const src = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const dst = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
  const header = Buffer.from([0x60, 0, 0, 0, ...u16(payload.length), next, 64, ...src, ...dst]);
  return Buffer.concat([ETH_IPV6, header, payload]);
}

function tcp(sport, dport, flags, seq, payload = Buffer.alloc(0), options = Buffer.alloc(0)) {
  const words = 5 + options.length / 4;
  const header = Buffer.from([
    ...u16(sport),
    ...u16(dport),
    ...u32(seq),
    ...u32(seq + 1),
    words << 4,
    flags,
    0xfa,
    0xf0,
    0,
    0,
    0,
    0,
  ]);
  return Buffer.concat([header, options, payload]);
}

function udp(sport, dport, payload) {
  return Buffer.concat([
    Buffer.from([...u16(sport), ...u16(dport), ...u16(8 + payload.length), 0, 0]),
    payload,
  ]);
}

const DNS_QUERY = hex('1a2b 0100 0001 0000 0000 0000 07 6578616d706c65 03 636f6d 00 0001 0001');
const DNS_RESPONSE = hex(
  '1a2b 8180 0001 0001 0000 0000 07 6578616d706c65 03 636f6d 00 0001 0001 c00c 0001 0001 0000012c 0004 5db8d822',
);
const GET = Buffer.from(
  'GET /api/v1/orders?id=42 HTTP/1.1\r\nHost: orders.shop.svc\r\nUser-Agent: Go-http-client/1.1\r\n\r\n',
);
const OK = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
const SYN_OPTIONS = hex('020405b4 0402 080a0000000100000000 01 030307');
const A = [10, 0, 0, 1];
const B = [10, 244, 1, 7];

/** The mix: mostly TCP data and ACKs, some HTTP and DNS, a little ARP, ICMP and IPv6. */
function mix() {
  const frames = [];
  for (let i = 0; i < 64; i++) {
    const port = 40000 + i;
    frames.push(ipv4(6, A, B, tcp(port, 443, 0x18, 1000 * i, Buffer.alloc(1200 + (i % 200), 0x17))));
    frames.push(ipv4(6, B, A, tcp(443, port, 0x10, 5000 * i)));
    frames.push(ipv4(6, A, B, tcp(port, 443, 0x10, 1000 * i + 1)));
    if (i % 2 === 0) frames.push(ipv4(6, A, B, tcp(port, 8080, 0x18, i, GET)));
    if (i % 2 === 0) frames.push(ipv4(6, B, A, tcp(8080, port, 0x18, i, OK)));
    if (i % 4 === 0) frames.push(ipv4(6, A, B, tcp(port, 443, 0x02, i, Buffer.alloc(0), SYN_OPTIONS)));
    if (i % 4 === 0) frames.push(ipv4(17, A, [10, 96, 0, 10], udp(port, 53, DNS_QUERY)));
    if (i % 4 === 0) frames.push(ipv4(17, [10, 96, 0, 10], A, udp(53, port, DNS_RESPONSE)));
    if (i % 8 === 0) frames.push(ipv4(1, A, B, hex('0800f7ff12340001 6162636465666768')));
    if (i % 8 === 0) frames.push(ipv6(6, tcp(port, 443, 0x18, i, Buffer.alloc(600, 1))));
    if (i % 16 === 0)
      frames.push(
        hex(
          'ffffffffffff 020000000001 0806 0001 0800 06 04 0001 020000000001 0a000002 000000000000 0a000001',
        ),
      );
  }
  return frames;
}

// ---- measurement -------------------------------------------------------------------------------

/** Runs `fn(frame)` over the mix for about SECONDS seconds, in batches; returns packets/s. */
function rate(frames, fn) {
  for (let i = 0; i < frames.length * 20; i++) fn(frames[i % frames.length]); // warm up the JIT
  let count = 0;
  let sink = 0;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < 10_000; i++) if (fn(frames[i % frames.length])) sink++;
    count += 10_000;
  }
  const seconds = (performance.now() - start) / 1000;
  return { packetsPerSecond: Math.round(count / seconds), sink };
}

const frames = mix();
const parsed = frames.map((f) => parsePacket(1, f, f.length));
const FILTERS = [
  'tcp.port == 8080',
  'ip.addr == 10.244.0.0/16 && tcp.flags.syn == 1',
  'http.request.method == "GET" || dns.qry.name contains "example"',
  'frame contains "orders"',
];

const results = {
  frames: frames.length,
  meanFrameBytes: Math.round(frames.reduce((n, f) => n + f.length, 0) / frames.length),
  summarizePacket: rate(frames, (f) => summarizePacket(1, f, f.length).info.length > 0).packetsPerSecond,
  dissectPacket: rate(frames, (f) => dissectPacket(1, f, f.length).tree.length > 0).packetsPerSecond,
  parsePacket: rate(frames, (f) => parsePacket(1, f, f.length).layers.length > 0).packetsPerSecond,
  filters: {},
};
for (const text of FILTERS) {
  const compiled = compileDisplayFilter(text);
  if (!compiled.ok) throw new Error(`${text}: ${compiled.error}`);
  const context = {};
  let index = 0;
  const matched = parsed.filter((p) => compiled.filter(p, context)).length;
  results.filters[text] = {
    matches: `${matched}/${parsed.length}`,
    // Filtering what the packet store already parsed, and parsing + filtering raw frames.
    parsedPacketsPerSecond: rate(parsed, (p) => compiled.filter(p, context)).packetsPerSecond,
    rawPacketsPerSecond: rate(frames, (f) =>
      compiled.filter(parsePacket(1, f, f.length), { frameNumber: ++index }),
    ).packetsPerSecond,
  };
}

if (values.json) console.log(JSON.stringify(results, null, 2));
else {
  const k = (n) => `${(n / 1000).toFixed(0).padStart(6)} k packets/s`;
  console.log(
    `synthetic mix: ${results.frames} frames, mean ${results.meanFrameBytes} bytes, ${SECONDS} s per measurement`,
  );
  console.log(`summarizePacket (columns + colour)   ${k(results.summarizePacket)}`);
  console.log(`dissectPacket (tree + fields + all)  ${k(results.dissectPacket)}`);
  console.log(`parsePacket (layers only)            ${k(results.parsePacket)}`);
  for (const [text, r] of Object.entries(results.filters)) {
    console.log(`filter ${JSON.stringify(text)} (${r.matches} match)`);
    console.log(`  on parsed packets                   ${k(r.parsedPacketsPerSecond)}`);
    console.log(`  parse + filter                      ${k(r.rawPacketsPerSecond)}`);
  }
}
