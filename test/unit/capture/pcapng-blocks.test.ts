import { describe, expect, it } from 'vitest';
import {
  encodeInterfaceDescription,
  encodeInterfaceStatistics,
  encodeSectionHeader,
  enhancedPacketSize,
  writeEnhancedPacket,
} from '../../../main/capture/pcapng-blocks.js';
import { hex } from '../../fixtures/hex.js';

const bytesOf = (buffer: Uint8Array) => Uint8Array.from(buffer);

describe('pcapng block encoders (little-endian)', () => {
  it('encodes a Section Header Block with shb_userappl', () => {
    expect(bytesOf(encodeSectionHeader({ application: 'ct' }))).toEqual(
      hex(
        '0a 0d 0d 0a' + // block type SHB
          '28 00 00 00' + // block length 40
          '4d 3c 2b 1a' + // byte-order magic 0x1a2b3c4d, little-endian
          '01 00 00 00' + // version 1.0
          'ff ff ff ff ff ff ff ff' + // section length -1: unknown while streaming
          '04 00 02 00' + // option shb_userappl, 2 bytes
          '63 74 00 00' + // "ct", padded to 4
          '00 00 00 00' + // opt_endofopt
          '28 00 00 00', // block length 40
      ),
    );
  });

  it('encodes the optional SHB options in order: userappl, os, hardware, comment', () => {
    const block = encodeSectionHeader({ application: 'a', os: 'Linux', hardware: 'x86', comment: 'c' });
    expect(bytesOf(block.subarray(24, block.length - 4))).toEqual(
      hex(
        '04 00 01 00 61 00 00 00' + // shb_userappl "a"
          '03 00 05 00 4c 69 6e 75 78 00 00 00' + // shb_os "Linux", padded to 8
          '02 00 03 00 78 38 36 00' + // shb_hardware "x86"
          '01 00 01 00 63 00 00 00' + // opt_comment "c"
          '00 00 00 00', // opt_endofopt
      ),
    );
  });

  it('encodes an Interface Description Block with only if_name for microseconds', () => {
    expect(
      bytesOf(encodeInterfaceDescription({ linkType: 1, snapLength: 65535, name: 'eth0', tsResolution: 6 })),
    ).toEqual(
      hex(
        '01 00 00 00' + // block type IDB
          '20 00 00 00' + // block length 32
          '01 00' + // link type 1 Ethernet
          '00 00' + // reserved
          'ff ff 00 00' + // snap length 65535
          '02 00 04 00' + // option if_name, 4 bytes
          '65 74 68 30' + // "eth0"
          '00 00 00 00' + // opt_endofopt
          '20 00 00 00', // block length 32
      ),
    );
  });

  it('encodes if_description and if_tsresol 9 for nanosecond interfaces', () => {
    expect(
      bytesOf(
        encodeInterfaceDescription({
          linkType: 101,
          snapLength: 262144,
          name: 'a',
          description: 'bc',
          tsResolution: 9,
        }),
      ),
    ).toEqual(
      hex(
        '01 00 00 00' + // block type IDB
          '30 00 00 00' + // block length 48
          '65 00 00 00' + // link type 101 raw IP; reserved
          '00 00 04 00' + // snap length 262144
          '02 00 01 00 61 00 00 00' + // if_name "a"
          '03 00 02 00 62 63 00 00' + // if_description "bc"
          '09 00 01 00 09 00 00 00' + // if_tsresol 9 (nanoseconds)
          '00 00 00 00' + // opt_endofopt
          '30 00 00 00', // block length 48
      ),
    );
  });

  it('encodes an EPB with odd-length data padded with zeros and no options', () => {
    const out = Buffer.alloc(enhancedPacketSize(3, false));
    expect(writeEnhancedPacket(out, 0, 1, 2, 3, hex('01 02 03'), 5, 0)).toBe(36);
    expect(bytesOf(out)).toEqual(
      hex(
        '06 00 00 00' + // block type EPB
          '24 00 00 00' + // block length 36
          '01 00 00 00' + // interface 1
          '02 00 00 00' + // timestamp high
          '03 00 00 00' + // timestamp low
          '03 00 00 00' + // captured length 3
          '05 00 00 00' + // original length 5
          '01 02 03 00' + // data, padded to 4
          '24 00 00 00', // block length 36
      ),
    );
  });

  it('encodes epb_flags when a direction is given', () => {
    const out = Buffer.alloc(enhancedPacketSize(4, true));
    expect(writeEnhancedPacket(out, 0, 0, 0, 7, hex('aa bb cc dd'), 4, 1)).toBe(48);
    expect(bytesOf(out)).toEqual(
      hex(
        '06 00 00 00' + // block type EPB
          '30 00 00 00' + // block length 48
          '00 00 00 00' + // interface 0
          '00 00 00 00 07 00 00 00' + // timestamp high, low
          '04 00 00 00 04 00 00 00' + // captured 4, original 4
          'aa bb cc dd' + // data
          '02 00 04 00' + // option epb_flags, 4 bytes
          '01 00 00 00' + // direction inbound
          '00 00 00 00' + // opt_endofopt
          '30 00 00 00', // block length 48
      ),
    );
  });

  it('zeroes the padding and touches nothing outside the block when reusing a dirty buffer', () => {
    const out = Buffer.alloc(8 + enhancedPacketSize(1, false) + 8, 0xff);
    const end = writeEnhancedPacket(out, 8, 0, 0, 0, hex('5a'), 1, 0);
    expect(end).toBe(8 + 36);
    expect(bytesOf(out.subarray(8 + 28, 8 + 32))).toEqual(hex('5a 00 00 00')); // data and 3 zero pad bytes
    expect(bytesOf(out.subarray(0, 8))).toEqual(hex('ff ff ff ff ff ff ff ff'));
    expect(bytesOf(out.subarray(end))).toEqual(hex('ff ff ff ff ff ff ff ff'));
  });

  it('sizes EPBs: 32 bytes of framing, data padded to 4, 12 for the flags option', () => {
    expect([0, 1, 2, 3, 4, 5, 9000].map((n) => enhancedPacketSize(n, false))).toEqual([
      32, 36, 36, 36, 36, 40, 9032,
    ]);
    expect(enhancedPacketSize(9001, true)).toBe(32 + 9004 + 12);
  });

  it('encodes an Interface Statistics Block with end time and counters', () => {
    const block = encodeInterfaceStatistics({
      interfaceId: 2,
      high: 1,
      low: 0x10000,
      received: 10,
      dropped: 2,
      delivered: 8,
    });
    expect(bytesOf(block)).toEqual(
      hex(
        '05 00 00 00' + // block type ISB
          '4c 00 00 00' + // block length 76
          '02 00 00 00' + // interface 2
          '01 00 00 00' + // timestamp high
          '00 00 01 00' + // timestamp low 0x10000
          '03 00 08 00 01 00 00 00 00 00 01 00' + // isb_endtime: high, low
          '04 00 08 00 0a 00 00 00 00 00 00 00' + // isb_ifrecv 10
          '05 00 08 00 02 00 00 00 00 00 00 00' + // isb_ifdrop 2
          '08 00 08 00 08 00 00 00 00 00 00 00' + // isb_usrdeliv 8
          '00 00 00 00' + // opt_endofopt
          '4c 00 00 00', // block length 76
      ),
    );
  });

  it('adds isb_starttime, isb_osdrop and a comment when given', () => {
    const block = encodeInterfaceStatistics({
      interfaceId: 0,
      high: 0,
      low: 9,
      startHigh: 0,
      startLow: 4,
      received: 1,
      dropped: 0,
      osDropped: 3,
      delivered: 1,
      comment: 'hi',
    });
    expect(bytesOf(block.subarray(20, block.length - 4))).toEqual(
      hex(
        '02 00 08 00 00 00 00 00 04 00 00 00' + // isb_starttime 0:4
          '03 00 08 00 00 00 00 00 09 00 00 00' + // isb_endtime 0:9
          '04 00 08 00 01 00 00 00 00 00 00 00' + // isb_ifrecv 1
          '05 00 08 00 00 00 00 00 00 00 00 00' + // isb_ifdrop 0
          '07 00 08 00 03 00 00 00 00 00 00 00' + // isb_osdrop 3
          '08 00 08 00 01 00 00 00 00 00 00 00' + // isb_usrdeliv 1
          '01 00 02 00 68 69 00 00' + // opt_comment "hi"
          '00 00 00 00', // opt_endofopt
      ),
    );
  });
});
