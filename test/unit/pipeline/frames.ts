/** Small frame builders for the pipeline tests (Ethernet/IPv4/UDP|TCP with a payload). */
export function udpFrame(
  payload: string | Uint8Array,
  options: { ttl?: number; mac?: number; vlan?: number } = {},
): Uint8Array {
  return ipFrame(17, payload, options);
}

export function tcpFrame(
  payload: string | Uint8Array,
  options: { ttl?: number; mac?: number } = {},
): Uint8Array {
  return ipFrame(6, payload, options);
}

function ipFrame(
  protocol: number,
  payload: string | Uint8Array,
  { ttl = 64, mac = 1, vlan }: { ttl?: number; mac?: number; vlan?: number },
): Uint8Array {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : Buffer.from(payload);
  const l4Length = protocol === 17 ? 8 : 20;
  const eth = Buffer.from(
    `02000000000202000000000${mac}${vlan === undefined ? '' : `8100${vlan.toString(16).padStart(4, '0')}`}0800`,
    'hex',
  );
  const ip = Buffer.alloc(20);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(20 + l4Length + body.length, 2);
  ip.writeUInt8(ttl, 8);
  ip.writeUInt8(protocol, 9);
  ip.writeUInt16BE(0xffff - ttl, 10); // a checksum that changes with the TTL, as a router's would
  Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(ip, 12);
  const l4 = Buffer.alloc(l4Length);
  l4.writeUInt16BE(1234, 0);
  l4.writeUInt16BE(80, 2);
  if (protocol === 17) l4.writeUInt16BE(8 + body.length, 4);
  else l4.writeUInt8(0x50, 12);
  return new Uint8Array(Buffer.concat([eth, ip, l4, body]));
}

export const packet = (data: Uint8Array, seconds = 0, linkType = 1) => ({
  linkType,
  data,
  originalLength: data.length,
  seconds,
});
