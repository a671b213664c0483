/** A strict walk over a little-endian pcapng file, for checking what the writer produced. */
export interface Block {
  type: number;
  /** Bytes between the length field and the trailing length. */
  body: Buffer;
}

export function blocksOf(file: Buffer): Block[] {
  const blocks: Block[] = [];
  let at = 0;
  while (at < file.length) {
    if (file.length - at < 12) throw new Error(`${file.length - at} stray bytes at ${at}`);
    const type = file.readUInt32LE(at);
    const length = file.readUInt32LE(at + 4);
    if (length < 12 || length % 4 !== 0 || at + length > file.length)
      throw new Error(`bad block length ${length} at ${at}`);
    if (file.readUInt32LE(at + length - 4) !== length)
      throw new Error(`trailer disagrees with length at ${at}`);
    blocks.push({ type, body: file.subarray(at + 8, at + length - 4) });
    at += length;
  }
  return blocks;
}

/** Options of a block body from `start`: code → raw values (in order). */
export function optionsOf(body: Buffer, start: number): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  let at = start;
  while (at + 4 <= body.length) {
    const code = body.readUInt16LE(at);
    const length = body.readUInt16LE(at + 2);
    if (code === 0) break;
    out.push([code, body.subarray(at + 4, at + 4 + length)]);
    at += 4 + ((length + 3) & ~3);
  }
  return out;
}

/** Splits a 64-bit timestamp count into the two uint32 halves pcapng stores. */
export function split64(units: bigint): { high: number; low: number } {
  return { high: Number(units >> 32n), low: Number(units & 0xffffffffn) };
}
