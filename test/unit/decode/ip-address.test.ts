import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpAddress } from '../../../main/broker/decode/ip-address.js';
import { hex } from '../../fixtures/hex.js';

describe('formatIpAddress', () => {
  it('writes IPv4 dotted-quad', () => {
    expect(formatIpAddress(hex('0a 00 00 01'))).toBe('10.0.0.1');
    expect(formatIpAddress(hex('ff ff ff ff'))).toBe('255.255.255.255');
    expect(formatIpAddress(hex('00 00 00 00'))).toBe('0.0.0.0');
  });

  it.each([
    ['20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01', '2001:db8::1'], // longest zero run compressed
    ['20 01 0d b8 00 00 00 00 00 01 00 00 00 00 00 01', '2001:db8::1:0:0:1'], // tie: the first run (RFC 5952 §4.2.3)
    ['20 01 00 00 00 00 00 01 00 00 00 00 00 00 00 01', '2001:0:0:1::1'], // the longer run wins
    ['20 01 0d b8 00 00 00 01 00 01 00 01 00 01 00 01', '2001:db8:0:1:1:1:1:1'], // one zero group stays (§4.2.2)
    ['00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00', '::'],
    ['00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01', '::1'],
    ['fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00', 'fe80::'],
    ['fd 00 0a bc 00 0d 00 00 00 00 00 00 00 00 0f 00', 'fd00:abc:d::f00'], // leading zeros dropped (§4.1)
    ['20 01 0D B8 AB CD EF 01 23 45 67 89 AB CD EF 01', '2001:db8:abcd:ef01:2345:6789:abcd:ef01'], // lower case (§4.3)
  ])('writes %s as %s (RFC 5952)', (bytes, text) => {
    expect(formatIpAddress(hex(bytes))).toBe(text);
  });

  /** True for the two forms inet_ntop writes with an embedded dotted quad (::a.b.c.d, ::ffff:a.b.c.d). */
  const embedsIpv4 = (b: Uint8Array) =>
    b.subarray(0, 10).every((x) => x === 0) &&
    ((b[10] === 0 && b[11] === 0) || (b[10] === 0xff && b[11] === 0xff));

  it('matches the WHATWG URL serializer (RFC 5952 compression) for any 16 bytes', () => {
    const groupValue = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    const address = fc.array(groupValue, { minLength: 8, maxLength: 8 }).map((groups) => {
      const bytes = new Uint8Array(16);
      groups.forEach((g, i) => {
        bytes[2 * i] = g >> 8;
        bytes[2 * i + 1] = g & 0xff;
      });
      return bytes;
    });
    fc.assert(
      fc.property(address, (bytes) => {
        const full = Array.from(
          { length: 8 },
          (_, i) => ((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number),
        );
        const viaUrl = new URL(`http://[${full.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(
          1,
          -1,
        );
        expect(formatIpAddress(bytes)).toBe(viaUrl);
        // And what Node itself reports for a peer (libuv inet_ntop), apart from embedded IPv4 forms.
        if (!embedsIpv4(bytes))
          expect(formatIpAddress(bytes)).toBe(
            new net.SocketAddress({ address: viaUrl, family: 'ipv6' }).address,
          );
      }),
      { seed: 0x5952, numRuns: 2000 },
    );
  });

  // RFC 5952 §5 and Node's dgram write IPv4-mapped addresses in mixed form; a peer read from a
  // file must be labelled exactly as the same peer seen live (and match --allow-peer's IPv4 CIDRs).
  it('writes an IPv4-mapped address as Node reports it (::ffff:192.0.2.1)', () => {
    const mapped = hex('00 00 00 00 00 00 00 00 00 00 ff ff c0 00 02 01');
    expect(formatIpAddress(mapped)).toBe('::ffff:192.0.2.1');
  });
});
