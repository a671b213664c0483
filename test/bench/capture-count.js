// Counts the packets actually in a capture file, so loss is measured on what reached the disk
// and not only on what a tool says it wrote. Files can be gigabytes: they are walked in 16 MiB
// chunks, reading only the block headers.
import fs from 'node:fs';

const CHUNK = 16 << 20;

/**
 * Walks length-prefixed records from byte `start`: each has at least `header` bytes, from which
 * `recordLength(buffer, at)` tells its whole length. Calls `onRecord(buffer, at)` for each
 * complete record; a truncated tail (a capture stopped mid-write) is ignored.
 */
function walkRecords(file, start, header, recordLength, onRecord) {
  const fd = fs.openSync(file, 'r');
  try {
    let buffer = Buffer.alloc(CHUNK);
    let filled = 0;
    let position = start;
    let at = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, filled, buffer.length - filled, position);
      position += read;
      filled += read;
      while (filled - at >= header) {
        const length = recordLength(buffer, at);
        if (length < header) throw new Error(`${file}: corrupt record at byte ${position - filled + at}`);
        if (filled - at < length) break;
        onRecord(buffer, at);
        at += length;
      }
      if (read === 0) return;
      // Keep the partial record at the front; grow the buffer for a record larger than it.
      const rest = buffer.subarray(at, filled);
      if (at === 0 && filled === buffer.length) buffer = Buffer.concat([buffer, Buffer.alloc(CHUNK)]);
      rest.copy(buffer, 0);
      filled = rest.length;
      at = 0;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Records in a classic pcap file (what `tcpdump -w` writes), little- or big-endian. */
export function countPcapRecords(file) {
  const head = Buffer.alloc(24);
  const fd = fs.openSync(file, 'r');
  const got = fs.readSync(fd, head, 0, 24, 0);
  fs.closeSync(fd);
  if (got < 24) return 0;
  const littleEndian = head.readUInt32LE(0) === 0xa1b2c3d4 || head.readUInt32LE(0) === 0xa1b23c4d;
  const inclLength = (b, at) => (littleEndian ? b.readUInt32LE(at + 8) : b.readUInt32BE(at + 8));
  let count = 0;
  walkRecords(
    file,
    24,
    16,
    (b, at) => 16 + inclLength(b, at),
    () => count++,
  );
  return count;
}

/** Enhanced Packet Blocks in a pcapng file written on this (little-endian) machine. */
export function countPcapngPackets(file) {
  const ENHANCED_PACKET = 6;
  let count = 0;
  walkRecords(
    file,
    0,
    8,
    (b, at) => b.readUInt32LE(at + 4),
    (b, at) => {
      if (b.readUInt32LE(at) === ENHANCED_PACKET) count++;
    },
  );
  return count;
}
