import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../main/broker/flows/flow-record.js';
import { IpfixEncoder } from '../../../main/broker/flows/ipfix.js';
import { NetFlow9Encoder } from '../../../main/broker/flows/netflow9.js';
import { hex } from '../../fixtures/hex.js';
import { ExportDecoder, flowOf } from './support/decode-export.js';
import { addressBytes } from './support/frames.js';

const BOOT = 1_700_000_000_500; // first packet seen; v9 counts sysUptime from its second
const NOW = 1_700_000_010_250;

/** A finished HTTP connection, client side: 6 packets, 340 bytes, flags SYN ACK PSH FIN, VLAN 100. */
const RECORD: FlowRecord = {
  ipVersion: 4,
  src: addressBytes('10.0.0.1'),
  dst: addressBytes('10.0.0.2'),
  protocol: 6,
  srcPort: 40000,
  dstPort: 80,
  vlan: 100,
  packets: 6,
  octets: 340,
  tcpFlags: 0x1b,
  tos: 0,
  startMs: 1_700_000_001_000,
  endMs: 1_700_000_001_042,
  endReason: 'endOfFlow',
};

/** Field specifiers both formats share, in record order (IANA numbers = v9 field types). */
const KEY_FIELDS_V4 =
  '00 08 00 04' + // sourceIPv4Address / IPV4_SRC_ADDR
  '00 0c 00 04' + // destinationIPv4Address / IPV4_DST_ADDR
  '00 07 00 02' + // sourceTransportPort / L4_SRC_PORT
  '00 0b 00 02' + // destinationTransportPort / L4_DST_PORT
  '00 04 00 01' + // protocolIdentifier / PROTOCOL
  '00 06 00 01' + // tcpControlBits / TCP_FLAGS (reduced size)
  '00 05 00 01' + // ipClassOfService / SRC_TOS
  '00 3a 00 02' + // vlanId / SRC_VLAN
  '00 20 00 02' + // icmpTypeCodeIPv4 / ICMP_TYPE
  '00 01 00 08' + // octetDeltaCount / IN_BYTES
  '00 02 00 08'; // packetDeltaCount / IN_PKTS

const KEY_FIELDS_V6 =
  '00 1b 00 10' + // sourceIPv6Address
  '00 1c 00 10' + // destinationIPv6Address
  '00 07 00 02 00 0b 00 02 00 04 00 01 00 06 00 01 00 05 00 01 00 3a 00 02' + // as for IPv4
  '00 8b 00 02' + // icmpTypeCodeIPv6 (139)
  '00 01 00 08 00 02 00 08'; // octets, packets

const KEY_VALUES =
  '0a 00 00 01' + // source 10.0.0.1
  '0a 00 00 02' + // destination 10.0.0.2
  '9c 40' + // source port 40000
  '00 50' + // destination port 80
  '06' + // TCP
  '1b' + // flags ACK PSH SYN FIN
  '00' + // TOS 0
  '00 64' + // VLAN 100
  '00 00' + // ICMP type/code: not ICMP
  '00 00 00 00 00 00 01 54' + // 340 octets
  '00 00 00 00 00 00 00 06'; // 6 packets

describe('NetFlow v9 encoder (RFC 3954)', () => {
  it('writes header, templates, the sampling options record and a flow record, byte for byte', () => {
    const encoder = new NetFlow9Encoder(BOOT, { domainId: 7, samplingInterval: 10 });
    const [datagram, ...rest] = encoder.encode([RECORD], NOW);
    expect(rest).toEqual([]);
    const expected = hex(
      '00 09' + // version 9
        '00 05' + // count: 2 templates + 1 options template + 1 options record + 1 flow record
        '00 00 27 10' + // sysUptime 10 000 ms: boot is the second of the first packet, 1700000000
        '65 53 f1 0a' + // UNIX seconds 1700000010
        '00 00 00 00' + // sequence: export packet 0
        '00 00 00 07' + // source ID 7
        // Template FlowSet
        '00 00 00 74' + // FlowSet ID 0, length 116
        '01 00 00 0d' + // template 256 (IPv4), 13 fields
        KEY_FIELDS_V4 +
        '00 16 00 04' + // FIRST_SWITCHED
        '00 15 00 04' + // LAST_SWITCHED
        '01 01 00 0d' + // template 257 (IPv6), 13 fields
        KEY_FIELDS_V6 +
        '00 16 00 04 00 15 00 04' + // FIRST_SWITCHED, LAST_SWITCHED
        // Options Template FlowSet
        '00 01 00 18' + // FlowSet ID 1, length 24
        '01 02' + // template 258
        '00 04' + // scope length: one field
        '00 08' + // option length: two fields
        '00 01 00 04' + // scope System, 4 bytes
        '01 31 00 04' + // samplingPacketInterval (305)
        '01 32 00 04' + // samplingPacketSpace (306)
        '00 00' + // padding to 4 bytes
        // Options data
        '01 02 00 10' + // FlowSet 258, length 16
        '00 00 00 07' + // System: source ID 7
        '00 00 00 01' + // 1 packet sampled…
        '00 00 00 09' + // …9 skipped: 1 in 10
        // Data FlowSet
        '01 00 00 30' + // template 256, length 48
        KEY_VALUES +
        '00 00 03 e8' + // FIRST_SWITCHED 1000 ms after boot
        '00 00 04 12' + // LAST_SWITCHED 1042
        '00', // padding to 4 bytes
    );
    expect(Buffer.from(datagram as Buffer).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
  });

  it('counts export packets in the sequence number and sends templates again after N packets', () => {
    const encoder = new NetFlow9Encoder(BOOT, { templateRefresh: { packets: 2, ms: 3_600_000 } });
    const decoder = new ExportDecoder();
    const messages = [0, 1, 2, 3].map((i) => decoder.decode(encoder.encode([RECORD], NOW + i)[0] as Buffer));
    expect(messages.map((m) => m.header.sequence)).toEqual([0, 1, 2, 3]);
    expect(messages.map((m) => m.templateIds.length > 0)).toEqual([true, false, true, false]);
    expect(messages.map((m) => m.header.countOrLength)).toEqual([5, 1, 5, 1]);
  });

  it('sends templates again after the refresh time, counted in flow time', () => {
    const encoder = new NetFlow9Encoder(BOOT, { templateRefresh: { packets: 1000, ms: 30_000 } });
    const decoder = new ExportDecoder();
    const withTemplates = [0, 29_999, 30_000].map(
      (t) => decoder.decode(encoder.encode([RECORD], NOW + t)[0] as Buffer).templateIds.length > 0,
    );
    expect(withTemplates).toEqual([true, false, true]);
  });

  it('splits records over datagrams of at most maxDatagramBytes, each padded FlowSet whole', () => {
    const encoder = new NetFlow9Encoder(BOOT, { maxDatagramBytes: 300 });
    const records = Array.from({ length: 30 }, (_, i) => ({
      ...RECORD,
      srcPort: i,
      ipVersion: (i % 3 ? 4 : 6) as 4 | 6,
      src: i % 3 ? RECORD.src : addressBytes('fd00::1'),
      dst: i % 3 ? RECORD.dst : addressBytes('fd00::2'),
    }));
    const datagrams = encoder.encode(records, NOW);
    const decoder = new ExportDecoder();
    const decoded = datagrams.map((d) => decoder.decode(d));
    expect(datagrams.every((d) => d.length <= 300)).toBe(true);
    expect(decoded.flatMap((m) => m.sets.map((s) => s.length % 4))).toEqual(
      decoded.flatMap((m) => m.sets.map(() => 0)),
    );
    const flows = decoded.flatMap((m) =>
      m.records.filter((r) => r.setId !== 258).map((r) => flowOf(r, m.header)),
    );
    expect(flows.map((f) => f.srcPort)).toEqual(records.map((r) => r.srcPort));
    expect(flows[0]).toMatchObject({
      src: 'fd00:0:0:0:0:0:0:1',
      startMs: RECORD.startMs,
      endMs: RECORD.endMs,
    });
  });

  it('refuses, when made, a datagram size that cannot hold the templates and the largest record', () => {
    expect(() => new NetFlow9Encoder(BOOT, { maxDatagramBytes: 252 })).toThrow(/from 253 /);
    const smallest = new NetFlow9Encoder(BOOT, { maxDatagramBytes: 253 });
    const v6 = {
      ...RECORD,
      ipVersion: 6 as const,
      src: addressBytes('fd00::1'),
      dst: addressBytes('fd00::2'),
    };
    expect(smallest.encode([v6, v6], NOW).map((d) => d.length)).toEqual([248, 92]); // templates + 1 record; 1
    const smallestIpfix = new IpfixEncoder({ maxDatagramBytes: 249 });
    expect(smallestIpfix.encode([v6, v6], NOW).map((d) => d.length)).toEqual([249, 95]);
    expect(() => new IpfixEncoder({ maxDatagramBytes: 248 })).toThrow(/from 249 /);
    expect(() => new IpfixEncoder({ maxDatagramBytes: 1000, podIdentity: true })).toThrow(/maxDatagramBytes/);
    expect(() => new IpfixEncoder({ maxDatagramBytes: 70_000 })).toThrow(/65507/);
  });

  it('rejects a sampling interval that is not a whole number from 1', () => {
    expect(() => new NetFlow9Encoder(BOOT, { samplingInterval: 0 })).toThrow(/samplingInterval/);
    expect(() => new IpfixEncoder({ samplingInterval: 2.5 })).toThrow(/samplingInterval/);
  });
});

describe('IPFIX encoder (RFC 7011)', () => {
  it('writes header, templates, the sampling options record and a flow record, byte for byte', () => {
    const encoder = new IpfixEncoder({ domainId: 7, samplingInterval: 10 });
    const [datagram] = encoder.encode([RECORD], NOW);
    const expected = hex(
      '00 0a' + // version 10
        '00 e1' + // message length 225
        '65 53 f1 0a' + // export time 1700000010
        '00 00 00 00' + // sequence: no data records sent before
        '00 00 00 07' + // observation domain 7
        // Template Set
        '00 02 00 74' + // set ID 2, length 116
        '01 00 00 0d' + // template 256 (IPv4), 13 fields
        KEY_FIELDS_V4 +
        '00 98 00 08' + // flowStartMilliseconds (152)
        '00 99 00 08' + // flowEndMilliseconds (153)
        '01 01 00 0d' + // template 257 (IPv6), 13 fields
        KEY_FIELDS_V6 +
        '00 98 00 08 00 99 00 08' +
        // Options Template Set
        '00 03 00 16' + // set ID 3, length 22
        '01 02' + // template 258
        '00 03' + // field count 3
        '00 01' + // scope field count 1
        '00 95 00 04' + // scope: observationDomainId (149)
        '01 31 00 04' + // samplingPacketInterval (305)
        '01 32 00 04' + // samplingPacketSpace (306)
        // Options data
        '01 02 00 10' + // set 258, length 16
        '00 00 00 07' + // observation domain 7
        '00 00 00 01' + // 1 packet sampled…
        '00 00 00 09' + // …9 skipped: 1 in 10
        // Data Set, no padding
        '01 00 00 37' + // template 256, length 55
        KEY_VALUES +
        '00 00 01 8b cf e5 6b e8' + // flowStartMilliseconds 1700000001000
        '00 00 01 8b cf e5 6c 12', // flowEndMilliseconds 1700000001042
    );
    expect(Buffer.from(datagram as Buffer).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
  });

  it('counts data records in the sequence number, the sampling options record included (§3.1)', () => {
    const encoder = new IpfixEncoder({ templateRefresh: { packets: 2, ms: 3_600_000 } });
    const decoder = new ExportDecoder();
    const sizes = [3, 1, 2, 4];
    const messages = sizes.map((n) =>
      decoder.decode(encoder.encode(Array(n).fill(RECORD), NOW)[0] as Buffer),
    );
    // 3 flows + the options record; 1; templates again: 2 + 1; 4.
    expect(messages.map((m) => m.header.sequence)).toEqual([0, 4, 5, 8]);
    expect(messages.map((m) => m.records.length)).toEqual([4, 1, 3, 4]);
  });

  it('carries the pod identity in enterprise elements (PEN 32473) when asked: empty where unknown, cut at 253 bytes', () => {
    const encoder = new IpfixEncoder({ podIdentity: true });
    const decoder = new ExportDecoder();
    const withPods = { ...RECORD, pods: { src: { namespace: 'shop', pod: 'cart-7d9f' } } };
    const longName = { ...RECORD, pods: { dst: { namespace: 'n', pod: 'p'.repeat(300) } } };
    const message = decoder.decode(encoder.encode([withPods, longName], NOW)[0] as Buffer);
    const [first, second] = message.records.filter((r) => r.setId === 256);
    const text = (record: typeof first, id: number) => record?.fields.get(`32473/${id}`)?.toString();
    expect([1, 2, 3, 4].map((id) => text(first, id))).toEqual(['shop', 'cart-7d9f', '', '']);
    expect([1, 2, 3, 4].map((id) => text(second, id)?.length)).toEqual([0, 0, 1, 253]);
  });

  it('reads back as the same flow: absolute millisecond times, addresses, counters', () => {
    const v6 = {
      ...RECORD,
      ipVersion: 6 as const,
      src: addressBytes('fd00::1'),
      dst: addressBytes('fd00::2'),
      protocol: 58,
      srcPort: 0,
      dstPort: 0x8000,
    };
    const decoder = new ExportDecoder();
    const message = decoder.decode(new IpfixEncoder().encode([v6], NOW)[0] as Buffer);
    const record = message.records.find((r) => r.setId === 257);
    expect(flowOf(record as never, message.header)).toMatchObject({
      protocol: 58,
      dstPort: 0x8000,
      packets: 6,
      octets: 340,
      startMs: RECORD.startMs,
      endMs: RECORD.endMs,
      vlan: 100,
    });
    expect(record?.fields.get(139)?.readUInt16BE(0)).toBe(0x8000); // icmpTypeCodeIPv6
  });
});
