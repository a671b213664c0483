/**
 * Small, well-formed Ethernet/IPv4 frames for the contract double: a TCP handshake, an HTTP
 * exchange, DNS and ICMP echo between two shop pods, so the real dissector (main/dissect/) gives
 * the double real protocol trees, columns and Wireshark colours.
 */

const MAC_A = [0x02, 0x42, 0x0a, 0xf4, 0x01, 0x04];
const MAC_B = [0x02, 0x42, 0x0a, 0xf4, 0x02, 0x03];

export const POD_IPS = { web: [10, 244, 1, 4], db: [10, 244, 2, 3], dns: [10, 244, 1, 3] } as const;

function checksum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipv4(
  protocol: number,
  src: readonly number[],
  dst: readonly number[],
  payload: Uint8Array,
  id: number,
): Uint8Array {
  const frame = new Uint8Array(14 + 20 + payload.length);
  frame.set(MAC_B, 0);
  frame.set(MAC_A, 6);
  frame.set([0x08, 0x00], 12);
  const ip = 14;
  const total = 20 + payload.length;
  frame.set(
    [0x45, 0, total >> 8, total & 0xff, (id >> 8) & 0xff, id & 0xff, 0x40, 0, 64, protocol, 0, 0],
    ip,
  );
  frame.set(src, ip + 12);
  frame.set(dst, ip + 16);
  const sum = checksum(frame, ip, ip + 20);
  frame[ip + 10] = sum >> 8;
  frame[ip + 11] = sum & 0xff;
  frame.set(payload, ip + 20);
  return frame;
}

function tcp(sport: number, dport: number, seq: number, ack: number, flags: number, data = ''): Uint8Array {
  const body = new TextEncoder().encode(data);
  const seg = new Uint8Array(20 + body.length);
  const view = new DataView(seg.buffer);
  view.setUint16(0, sport);
  view.setUint16(2, dport);
  view.setUint32(4, seq);
  view.setUint32(8, ack);
  seg[12] = 5 << 4;
  seg[13] = flags;
  view.setUint16(14, 64240);
  seg.set(body, 20);
  return seg;
}

function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const seg = new Uint8Array(8 + payload.length);
  const view = new DataView(seg.buffer);
  view.setUint16(0, sport);
  view.setUint16(2, dport);
  view.setUint16(4, seg.length);
  seg.set(payload, 8);
  return seg;
}

function dnsQuery(id: number, response: boolean): Uint8Array {
  const name = [
    3,
    ...'web'.split('').map((c) => c.charCodeAt(0)),
    4,
    ...'shop'.split('').map((c) => c.charCodeAt(0)),
    0,
  ];
  const header = [
    id >> 8,
    id & 0xff,
    response ? 0x81 : 0x01,
    response ? 0x80 : 0x00,
    0,
    1,
    0,
    response ? 1 : 0,
    0,
    0,
    0,
    0,
  ];
  const question = [...name, 0, 1, 0, 1];
  const answer = response ? [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, ...POD_IPS.web] : [];
  return new Uint8Array([...header, ...question, ...answer]);
}

function icmpEcho(reply: boolean, seq: number): Uint8Array {
  const msg = new Uint8Array(8 + 16);
  msg[0] = reply ? 0 : 8;
  msg[6] = seq >> 8;
  msg[7] = seq & 0xff;
  for (let i = 8; i < msg.length; i++) msg[i] = i;
  const sum = checksum(msg, 0, msg.length);
  msg[2] = sum >> 8;
  msg[3] = sum & 0xff;
  return msg;
}

export interface Template {
  /** Which display-filter words select it (the double's tiny filter language). */
  protocols: string[];
  /** Which tapped pod saw it, and in which direction. */
  pod: 'web' | 'db' | 'dns';
  direction: 'ingress' | 'egress';
  build(n: number): Uint8Array;
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;

/** Eight packets that repeat: what the double's store holds, packet i being TEMPLATES[i % 8]. */
export const TEMPLATES: Template[] = [
  {
    protocols: ['tcp'],
    pod: 'web',
    direction: 'egress',
    build: (n) => ipv4(6, POD_IPS.web, POD_IPS.db, tcp(40000 + (n % 1000), 8080, 1000, 0, SYN), n),
  },
  {
    protocols: ['tcp'],
    pod: 'db',
    direction: 'egress',
    build: (n) => ipv4(6, POD_IPS.db, POD_IPS.web, tcp(8080, 40000 + (n % 1000), 5000, 1001, SYN | ACK), n),
  },
  {
    protocols: ['tcp'],
    pod: 'web',
    direction: 'egress',
    build: (n) => ipv4(6, POD_IPS.web, POD_IPS.db, tcp(40000 + (n % 1000), 8080, 1001, 5001, ACK), n),
  },
  {
    protocols: ['tcp', 'http'],
    pod: 'web',
    direction: 'egress',
    build: (n) =>
      ipv4(
        6,
        POD_IPS.web,
        POD_IPS.db,
        tcp(40000 + (n % 1000), 8080, 1001, 5001, PSH | ACK, 'GET /orders HTTP/1.1\r\nHost: db:8080\r\n\r\n'),
        n,
      ),
  },
  {
    protocols: ['tcp', 'http'],
    pod: 'db',
    direction: 'egress',
    build: (n) =>
      ipv4(
        6,
        POD_IPS.db,
        POD_IPS.web,
        tcp(8080, 40000 + (n % 1000), 5001, 1040, PSH | ACK, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'),
        n,
      ),
  },
  {
    protocols: ['udp', 'dns'],
    pod: 'web',
    direction: 'egress',
    build: (n) =>
      ipv4(17, POD_IPS.web, POD_IPS.dns, udp(50000 + (n % 1000), 53, dnsQuery(n & 0xffff, false)), n),
  },
  {
    protocols: ['udp', 'dns'],
    pod: 'dns',
    direction: 'egress',
    build: (n) =>
      ipv4(17, POD_IPS.dns, POD_IPS.web, udp(53, 50000 + (n % 1000), dnsQuery(n & 0xffff, true)), n),
  },
  {
    protocols: ['icmp'],
    pod: 'web',
    direction: 'egress',
    build: (n) => ipv4(1, POD_IPS.web, POD_IPS.db, icmpEcho(false, n & 0xffff), n),
  },
];
