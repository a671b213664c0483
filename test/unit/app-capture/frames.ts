/** Minimal Ethernet/IPv4 frames for flow tests (checksums zero: the flow parser does not check them). */
const ip4 = (text: string) => text.split('.').map(Number);

function ipv4(src: string, dst: string, protocol: number, l4: number[]): Uint8Array {
  const total = 20 + l4.length;
  const eth = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
  const header = [
    0x45,
    0,
    total >> 8,
    total & 0xff,
    0,
    0,
    0x40,
    0,
    64,
    protocol,
    0,
    0,
    ...ip4(src),
    ...ip4(dst),
  ];
  return Uint8Array.from([...eth, ...header, ...l4]);
}

export function tcpSyn(src: string, sport: number, dst: string, dport: number): Uint8Array {
  const tcp = [
    sport >> 8,
    sport & 0xff,
    dport >> 8,
    dport & 0xff,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    0x50,
    0x02,
    0xff,
    0xff,
    0,
    0,
    0,
    0,
  ];
  return ipv4(src, dst, 6, tcp);
}

export function ipv4Udp(src: string, sport: number, dst: string, dport: number, payload: number): Uint8Array {
  const length = 8 + payload;
  const udp = [
    sport >> 8,
    sport & 0xff,
    dport >> 8,
    dport & 0xff,
    length >> 8,
    length & 0xff,
    0,
    0,
    ...new Array(payload).fill(0x61),
  ];
  return ipv4(src, dst, 17, udp);
}
