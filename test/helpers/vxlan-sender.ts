import dgram from 'node:dgram';

/** A minimal Ethernet/IPv4/UDP frame whose payload carries `seq`, so frames are distinguishable. */
export function innerFrame(seq: number, payloadLength = 18): Buffer {
  const frame = Buffer.alloc(42 + payloadLength);
  Buffer.from('0200000000020200000000010800', 'hex').copy(frame, 0);
  const ip = frame.subarray(14);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(28 + payloadLength, 2);
  ip.writeUInt8(64, 8);
  ip.writeUInt8(17, 9);
  Buffer.from([10, 244, 0, 1, 10, 244, 0, 2]).copy(ip, 12);
  ip.writeUInt16BE(1000, 20);
  ip.writeUInt16BE(2000, 22);
  ip.writeUInt16BE(8 + payloadLength, 24);
  if (payloadLength >= 4) ip.writeUInt32BE(seq, 28);
  return frame;
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
