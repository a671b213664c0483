import dgram from 'node:dgram';

/** IPv4 + UDP headers and payload (checksums left 0, which UDP over IPv4 allows). */
export function ipv4Udp(
  source: number[],
  destination: number[],
  ports: [number, number],
  payload: Buffer,
): Buffer {
  const headers = Buffer.alloc(28);
  headers.writeUInt8(0x45, 0);
  headers.writeUInt16BE(28 + payload.length, 2);
  headers.writeUInt8(64, 8);
  headers.writeUInt8(17, 9);
  Buffer.from([...source, ...destination]).copy(headers, 12);
  headers.writeUInt16BE(ports[0], 20);
  headers.writeUInt16BE(ports[1], 22);
  headers.writeUInt16BE(8 + payload.length, 24);
  return Buffer.concat([headers, payload]);
}

/** A minimal Ethernet/IPv4/UDP frame whose payload carries `seq`, so frames are distinguishable. */
export function innerFrame(seq: number, payloadLength = 18): Buffer {
  const payload = Buffer.alloc(payloadLength);
  if (payloadLength >= 4) payload.writeUInt32BE(seq, 0);
  const ethernet = Buffer.from('0200000000020200000000010800', 'hex');
  return Buffer.concat([ethernet, ipv4Udp([10, 244, 0, 1], [10, 244, 0, 2], [1000, 2000], payload)]);
}

export function vxlanDatagram(vni: number, frame: Buffer, flags = 0x08): Buffer {
  const header = Buffer.alloc(8);
  header[0] = flags;
  header.writeUIntBE(vni, 4, 3);
  return Buffer.concat([header, frame]);
}

/** Sends datagrams to a local port, a few at a time so the receiver's buffer never overflows. */
export async function sendDatagrams(port: number, datagrams: Buffer[], address = '127.0.0.1'): Promise<void> {
  const socket = dgram.createSocket('udp4');
  for (let i = 0; i < datagrams.length; i++) {
    await new Promise<void>((resolve, reject) =>
      socket.send(datagrams[i] as Buffer, port, address, (error) => (error ? reject(error) : resolve())),
    );
    if (i % 64 === 63) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  socket.close();
}
