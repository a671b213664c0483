import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../main/kube/inventory/line-splitter.js';

describe('watch stream line splitting', () => {
  it('yields each JSON event line, however TCP cut the stream', () => {
    const events = [
      { type: 'ADDED', object: { metadata: { name: 'café-0' } } },
      { type: 'MODIFIED', object: { metadata: { name: '日本-1' } } },
      { type: 'BOOKMARK', object: { metadata: { resourceVersion: '42' } } },
    ];
    const bytes = Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    // Every cut position, including inside the multi-byte characters.
    for (let cut = 1; cut < bytes.length; cut++) {
      const splitter = new LineSplitter();
      const lines = [
        ...splitter.push(bytes.subarray(0, cut)),
        ...splitter.push(bytes.subarray(cut)),
        ...splitter.end(),
      ];
      expect(lines.map((line) => JSON.parse(line))).toEqual(events);
    }
  });

  it('yields byte by byte, skips blank lines and keeps a last line without newline', () => {
    const splitter = new LineSplitter();
    const lines: string[] = [];
    for (const byte of Buffer.from('{"a":1}\n\n\r\n{"b":2}'))
      lines.push(...splitter.push(Buffer.from([byte])));
    lines.push(...splitter.end());
    expect(lines.map((line) => JSON.parse(line))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('refuses a line that never ends instead of buffering without bound', () => {
    const splitter = new LineSplitter(16);
    splitter.push(Buffer.from('0123456789'));
    expect(() => splitter.push(Buffer.from('0123456789'))).toThrow(/longer than 16 bytes/);
  });
});
