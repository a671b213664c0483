/**
 * The tunnel probe: a frame an agent sends into each of its tunnel devices every few seconds,
 * so the desktop learns whether that node's tunnels arrive (NAT, firewalls and VPNs drop them
 * silently). It travels exactly the path mirrored packets take (the same kernel device, VNI or
 * GRE key, source and destination) and is recognised by the broker, never written to a capture.
 *
 * Layout: Ethernet broadcast, locally administered source, EtherType 0x88B5 (IEEE 802 local
 * experimental), then "CLUSTERTAP-PROBE1" and JSON {session, node}.
 */
const ETHERTYPE_LOCAL_EXPERIMENTAL = 0x88b5;
const MAGIC = Buffer.from('CLUSTERTAP-PROBE1');
const HEADER = 14;

export interface TunnelProbe {
  session: string;
  node: string;
}

export function tunnelProbeFrame(probe: TunnelProbe): Buffer {
  const body = Buffer.from(JSON.stringify({ session: probe.session, node: probe.node }));
  const frame = Buffer.alloc(Math.max(60, HEADER + MAGIC.length + body.length));
  frame.fill(0xff, 0, 6);
  Buffer.from([0x02, 0xc1, 0x75, 0x7a, 0x00, 0x01]).copy(frame, 6);
  frame.writeUInt16BE(ETHERTYPE_LOCAL_EXPERIMENTAL, 12);
  MAGIC.copy(frame, HEADER);
  body.copy(frame, HEADER + MAGIC.length);
  return frame;
}

/** Cheap enough for every delivered frame: two bytes compared before anything else. */
export function isTunnelProbe(frame: Uint8Array): boolean {
  if (frame.length < HEADER + MAGIC.length) return false;
  if (frame[12] !== ETHERTYPE_LOCAL_EXPERIMENTAL >> 8 || frame[13] !== (ETHERTYPE_LOCAL_EXPERIMENTAL & 0xff))
    return false;
  return Buffer.from(frame.buffer, frame.byteOffset + HEADER, MAGIC.length).equals(MAGIC);
}

export function parseTunnelProbe(frame: Uint8Array): TunnelProbe | undefined {
  if (!isTunnelProbe(frame)) return undefined;
  const text = Buffer.from(
    frame.buffer,
    frame.byteOffset + HEADER + MAGIC.length,
    frame.length - HEADER - MAGIC.length,
  )
    .toString('utf8')
    .replace(/\0+$/, '');
  try {
    const value = JSON.parse(text) as Partial<TunnelProbe>;
    if (typeof value.session !== 'string' || typeof value.node !== 'string') return undefined;
    return { session: value.session, node: value.node };
  } catch {
    return undefined;
  }
}
