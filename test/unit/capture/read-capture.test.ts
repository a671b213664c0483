import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileError } from '../../../main/capture/capture-record.js';
import { encodeInterfaceDescription, encodeSectionHeader } from '../../../main/capture/pcapng-blocks.js';
import { openCapture } from '../../../main/capture/read-capture.js';
import { epb, makeTempDir, patternBytes, pcapFile } from '../support/capture-files.js';

const dir = makeTempDir('open');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
function write(name: string, bytes: Uint8Array | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** The error openCapture gives for `file`, as a user would see it. */
async function openError(file: string): Promise<string> {
  try {
    const capture = await openCapture(file);
    await capture.close();
  } catch (error) {
    if (!(error instanceof CaptureFileError)) return `not a CaptureFileError: ${String(error)}`;
    return error.message;
  }
  return 'opened';
}

describe('openCapture', () => {
  it('tells pcap and pcapng apart by their magic and reports the file size', async () => {
    const pcap = write(
      'a.pcap',
      pcapFile({ records: [{ seconds: 1, fraction: 0, data: patternBytes(30) }] }),
    );
    const pcapng = write(
      'b.pcapng',
      Buffer.concat([
        encodeSectionHeader({ application: 'unit' }),
        encodeInterfaceDescription({ linkType: 1, snapLength: 0, name: 'x', tsResolution: 6 }),
        epb(0, 0, 0, patternBytes(30)),
      ]),
    );
    for (const [file, format] of [
      [pcap, 'pcap'],
      [pcapng, 'pcapng'],
    ] as const) {
      const capture = await openCapture(file);
      expect(capture.format).toBe(format);
      expect(capture.size).toBe(fs.statSync(file).size);
      let count = 0;
      for await (const _ of capture.records) count++;
      expect(count).toBe(1);
      expect(capture.bytesRead()).toBe(capture.size);
      await capture.close();
    }
  });

  it('says a missing file does not exist', async () => {
    const file = path.join(dir, 'missing.pcapng');
    expect(await openError(file)).toBe(`${file}: cannot open (no such file)`);
  });

  it('says a file of 3 bytes is too short', async () => {
    const file = write('three', 'abc');
    expect(await openError(file)).toBe(`${file}: too short to be a pcap or pcapng file (3 bytes)`);
  });

  it('says a text file is not a capture and shows how it starts', async () => {
    const file = write('notes.txt', 'hello world, this is not a capture file');
    expect(await openError(file)).toBe(`${file}: not a pcap or pcapng file (starts with 0x68656c6c)`);
  });

  // The magic decides what a file is; only then does its length matter.
  it('says a short text file is not a capture, rather than a truncated pcap', async () => {
    const file = write('short.txt', 'hello worl');
    expect(await openError(file)).toBe(`${file}: not a pcap or pcapng file (starts with 0x68656c6c)`);
  });

  // fs.open succeeds on a directory and only the read fails: still one clear line naming it.
  it('says a directory cannot be read, as a CaptureFileError naming it', async () => {
    expect(await openError(dir)).toMatch(new RegExp(`^${dir}: cannot (open|read)`));
  });
});
