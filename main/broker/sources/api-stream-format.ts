/**
 * The `api` transport's byte stream: what an agent sends over HTTP, through the API server's
 * pods/proxy, when the desktop cannot receive tunnels (NAT, VPN). One record per packet:
 *
 *   u32 length of the rest · u32 tunnel ID · u32 seconds · u32 nanoseconds · u32 original length · frame
 *
 * big-endian. The tunnel ID is the one the kernel path would use, so pod labels (the node status
 * mapping) and pcapng interfaces are the same whichever transport carried the packet. A record with
 * tunnel ID 0 and no frame is a keepalive: proxies and NAT keep an idle stream open.
 */
export const STREAM_PATH = '/stream';
/** The API server drops Authorization after authenticating us; this header reaches the agent. */
export const STREAM_TOKEN_HEADER = 'x-clustertap-stream-token';
export const RECORD_HEADER_BYTES = 20;
export const KEEPALIVE_TUNNEL_ID = 0;
/** Far above any frame (snap length 262144): a larger length means the stream is not ours. */
export const MAX_RECORD_BYTES = 262144 + RECORD_HEADER_BYTES;

export interface StreamRecord {
  tunnelId: number;
  seconds: number;
  nanoseconds: number;
  originalLength: number;
  frame: Uint8Array;
}

export function encodeRecordHeader(
  tunnelId: number,
  seconds: number,
  nanoseconds: number,
  originalLength: number,
  frameLength: number,
): Buffer {
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  header.writeUInt32BE(RECORD_HEADER_BYTES - 4 + frameLength, 0);
  header.writeUInt32BE(tunnelId, 4);
  header.writeUInt32BE(seconds >>> 0, 8);
  header.writeUInt32BE(nanoseconds, 12);
  header.writeUInt32BE(originalLength, 16);
  return header;
}

export const keepaliveRecord = () => encodeRecordHeader(KEEPALIVE_TUNNEL_ID, 0, 0, 0, 0);

/** Splits a byte stream (chunks of any size) into records; throws on a stream that is not ours. */
export class StreamRecordParser {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer, onRecord: (record: StreamRecord) => void): void {
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const length = buffer.readUInt32BE(offset);
      if (length < RECORD_HEADER_BYTES - 4 || length > MAX_RECORD_BYTES)
        throw new Error(`not a ClusterTap packet stream (record length ${length})`);
      if (buffer.length - offset < 4 + length) break;
      const tunnelId = buffer.readUInt32BE(offset + 4);
      if (tunnelId !== KEEPALIVE_TUNNEL_ID)
        onRecord({
          tunnelId,
          seconds: buffer.readUInt32BE(offset + 8),
          nanoseconds: buffer.readUInt32BE(offset + 12),
          originalLength: buffer.readUInt32BE(offset + 16),
          frame: buffer.subarray(offset + RECORD_HEADER_BYTES, offset + 4 + length),
        });
      offset += 4 + length;
    }
    buffer = buffer.subarray(offset);
    // Copy the remainder: the records handed out keep referring to the chunk they came from.
    this.pending = buffer.length > 0 ? Buffer.from(buffer) : Buffer.alloc(0);
  }
}
