import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeRecordHeader,
  keepaliveRecord,
  type StreamRecord,
  StreamRecordParser,
} from '../../../main/broker/sources/api-stream-format.js';

const record = (tunnelId: number, frame: Buffer, seconds = 1_700_000_000, nanoseconds = 123_456_789) =>
  Buffer.concat([encodeRecordHeader(tunnelId, seconds, nanoseconds, frame.length + 10, frame.length), frame]);

describe('the api transport stream', () => {
  it('gives back every record, however the bytes are split into chunks, and skips keepalives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 0xffffff }), fc.uint8Array({ maxLength: 300 })), {
          maxLength: 20,
        }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 10 }),
        (records, cuts) => {
          const stream = Buffer.concat(
            records.flatMap(([id, bytes]) => [keepaliveRecord(), record(id, Buffer.from(bytes))]),
          );
          const parser = new StreamRecordParser();
          const got: StreamRecord[] = [];
          let offset = 0;
          for (let i = 0; offset < stream.length; i++) {
            const size = cuts[i % cuts.length] as number;
            parser.push(stream.subarray(offset, offset + size), (r) =>
              got.push({ ...r, frame: Buffer.from(r.frame) }),
            );
            offset += size;
          }
          expect(got.map((r) => [r.tunnelId, Buffer.from(r.frame).toString('hex')])).toEqual(
            records.map(([id, bytes]) => [id, Buffer.from(bytes).toString('hex')]),
          );
          for (const r of got) {
            expect(r.seconds).toBe(1_700_000_000);
            expect(r.nanoseconds).toBe(123_456_789);
            expect(r.originalLength).toBe(r.frame.length + 10);
          }
        },
      ),
    );
  });

  it('refuses a stream that is not ours (an HTML error page through a proxy) instead of misreading it', () => {
    const parser = new StreamRecordParser();
    expect(() => parser.push(Buffer.from('<html><body>502 Bad Gateway</body></html>'), () => {})).toThrow(
      /not a ClusterTap packet stream/,
    );
  });
});
