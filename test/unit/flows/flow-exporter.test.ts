import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowExporter, type FlowExporterOptions } from '../../../main/broker/flows/flow-exporter.js';
import { type DecodedFlow, ExportDecoder, flowOf, formatAddress } from './support/decode-export.js';
import { addressBytes, buildFrame, type FrameSpec, linkHeaderLength } from './support/frames.js';

const T0 = 1_700_000_000_000;
const ARP = Buffer.from(`020000000002020000000001 0806 ${'00'.repeat(28)}`.replace(/ /g, ''), 'hex');

/** An exporter whose datagrams are decoded as a collector would, as they are sent. */
function exporterWith(options: FlowExporterOptions, clock?: () => number) {
  const datagrams: Buffer[] = [];
  const decoder = new ExportDecoder();
  const flows: DecodedFlow[] = [];
  const exporter = new FlowExporter(
    {
      send: (datagram) => {
        datagrams.push(datagram);
        const message = decoder.decode(datagram);
        for (const record of message.records)
          if (record.setId === 256 || record.setId === 257) flows.push(flowOf(record, message.header));
      },
      clock,
    },
    options,
  );
  const observe = (spec: FrameSpec, atMs: number) => {
    const frame = buildFrame(spec);
    exporter.observe(spec.link ?? 1, frame, frame.length, atMs);
  };
  return { exporter, datagrams, flows, observe };
}

const web = (flags: number, payload = 0): FrameSpec => ({
  ipVersion: 4,
  src: '10.0.0.1',
  dst: '10.0.0.2',
  protocol: 'tcp',
  srcPort: 40000,
  dstPort: 80,
  tcpFlags: flags,
  payload,
});

describe('FlowExporter', () => {
  it('exports nothing until a timeout or flush, then the flow as the collector sees it', () => {
    const { exporter, flows, observe } = exporterWith({ kind: 'netflow9' });
    observe(web(0x02), T0);
    observe({ ...web(0x12), src: '10.0.0.2', dst: '10.0.0.1', srcPort: 80, dstPort: 40000 }, T0 + 10);
    observe(web(0x18, 100), T0 + 20);
    expect(flows).toEqual([]);
    exporter.flush();
    expect(flows).toEqual([
      expect.objectContaining({
        src: '10.0.0.1',
        srcPort: 40000,
        dstPort: 80,
        packets: 2,
        octets: 180,
        tcpFlags: 0x1a,
        startMs: T0,
        endMs: T0 + 20,
      }),
      expect.objectContaining({
        src: '10.0.0.2',
        srcPort: 80,
        dstPort: 40000,
        packets: 1,
        octets: 40,
        startMs: T0 + 10,
      }),
    ]);
    expect(exporter.counters).toMatchObject({
      packets: 3,
      octets: 220,
      flows: 1,
      activeFlows: 0,
      exportedRecords: 2,
      exportedPackets: 1,
    });
  });

  it('tick() exports idle flows at the time it is told, or at the clock it was given', () => {
    let now = T0;
    const { exporter, flows, observe } = exporterWith({ kind: 'ipfix' }, () => now);
    observe(web(0x10), T0);
    exporter.tick(T0 + 14_999);
    expect(flows).toHaveLength(0);
    now = T0 + 15_000;
    exporter.tick();
    expect(flows).toHaveLength(1);
    expect(exporter.timeouts.inactiveMs).toBe(15_000);
  });

  it('counts frames that are not IP, and IP that does not decode, apart from flows', () => {
    const { exporter } = exporterWith({ kind: 'ipfix' });
    exporter.observe(1, ARP, ARP.length, T0);
    exporter.observe(1, buildFrame(web(0x10)).subarray(0, 20), 54, T0);
    expect(exporter.counters).toMatchObject({ nonIpFrames: 1, malformedFrames: 1, packets: 0, flows: 0 });
  });

  it('sends records in batches as they leave the cache, without waiting for a tick', () => {
    const { exporter, datagrams, observe } = exporterWith({ kind: 'ipfix', maxFlows: 4 });
    for (let i = 0; i < 40; i++) observe({ ...web(0x10), srcPort: 1000 + i }, T0 + i);
    expect(exporter.counters.evictions).toBe(36);
    expect(datagrams.length).toBeGreaterThan(0);
    expect(exporter.counters.exportedRecords).toBeGreaterThanOrEqual(32);
  });

  it('reports the sampling interval to the collector', () => {
    const { exporter, datagrams, observe } = exporterWith({ kind: 'netflow9', samplingInterval: 100 });
    observe(web(0x10), T0);
    exporter.flush();
    const message = new ExportDecoder().decode(datagrams[0] as Buffer);
    const sampling = message.records.find((r) => r.setId === 258);
    expect([sampling?.fields.get(305)?.readUInt32BE(0), sampling?.fields.get(306)?.readUInt32BE(0)]).toEqual([
      1, 99,
    ]);
  });

  it('refuses bad options when made, not at the first export in the middle of a capture', () => {
    const send = () => {};
    expect(() => new FlowExporter({ send }, { kind: 'ipfix', samplingInterval: 0 })).toThrow(
      /samplingInterval/,
    );
    expect(() => new FlowExporter({ send }, { kind: 'netflow9', maxDatagramBytes: 200 })).toThrow(
      /maxDatagramBytes/,
    );
    expect(() => new FlowExporter({ send }, { kind: 'netflow9', timeouts: { inactiveMs: -1 } })).toThrow(
      /inactiveMs/,
    );
  });

  it('gives the same datagrams for the same packets: a file exports the same bytes every time', () => {
    const run = (kind: 'ipfix' | 'netflow9') => {
      const { exporter, datagrams, observe } = exporterWith({ kind });
      for (let i = 0; i < 50; i++) observe({ ...web(0x10, i), srcPort: 1000 + (i % 7) }, T0 + i * 3_000);
      exporter.flush();
      return Buffer.concat(datagrams).toString('hex');
    };
    expect(run('ipfix')).toBe(run('ipfix'));
    expect(run('netflow9')).toBe(run('netflow9'));
  });
});

// ---------------------------------------------------------------------------------------------

const addresses4 = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
const addresses6 = ['fd00::1', 'fd00::2'];

const frameSpec: fc.Arbitrary<FrameSpec> = fc
  .record({
    ipVersion: fc.constantFrom<4 | 6>(4, 6),
    a: fc.nat({ max: 2 }),
    b: fc.nat({ max: 2 }),
    protocol: fc.constantFrom<'tcp' | 'udp' | 'icmp'>('tcp', 'udp', 'icmp'),
    srcPort: fc.constantFrom(53, 80, 40000),
    dstPort: fc.constantFrom(53, 80, 40000),
    tcpFlags: fc.constantFrom(0x02, 0x10, 0x12, 0x11, 0x04, 0x18),
    icmpTypeCode: fc.constantFrom(0x0800, 0x0000, 0x0303, 0x8000, 0x8100),
    payload: fc.nat({ max: 300 }),
    tos: fc.constantFrom(0, 0xb8),
    vlans: fc.constantFrom<number[]>([], [], [100], [200, 100]),
    link: fc.constantFrom<1 | 101>(1, 1, 101),
  })
  .map(({ a, b, ...spec }) => {
    const pool = spec.ipVersion === 4 ? addresses4 : addresses6;
    return {
      ...spec,
      src: pool[a % pool.length] as string,
      dst: pool[b % pool.length] as string,
      vlans: spec.link === 101 ? [] : spec.vlans,
    };
  });

type Event =
  | { kind: 'frame'; spec: FrameSpec; gapMs: number; sliceTo: number | undefined }
  | { kind: 'arp'; gapMs: number }
  | { kind: 'tick'; gapMs: number };

const event: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('frame' as const),
      spec: frameSpec,
      gapMs: fc.nat({ max: 20_000 }),
      sliceTo: fc.option(fc.nat({ max: 40 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('arp' as const), gapMs: fc.nat({ max: 5_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), gapMs: fc.nat({ max: 30_000 }) }) },
);

const exporterOptions: fc.Arbitrary<FlowExporterOptions> = fc.record({
  kind: fc.constantFrom<'ipfix' | 'netflow9'>('ipfix', 'netflow9'),
  maxFlows: fc.integer({ min: 1, max: 8 }),
  maxDatagramBytes: fc.integer({ min: 253, max: 1400 }), // from the smallest NetFlow v9 allows
  timeouts: fc.record({
    activeMs: fc.integer({ min: 1_000, max: 60_000 }),
    inactiveMs: fc.integer({ min: 500, max: 20_000 }),
    tcpFinMs: fc.integer({ min: 0, max: 5_000 }),
    tcpRstMs: fc.integer({ min: 0, max: 5_000 }),
  }),
  templateRefresh: fc.record({
    packets: fc.integer({ min: 1, max: 5 }),
    ms: fc.integer({ min: 1, max: 60_000 }),
  }),
});

/** The direction-aware key a collector reports a flow record under. */
const keyOf = (
  ipVersion: 4 | 6,
  src: string,
  dst: string,
  protocol: number,
  srcPort: number,
  dstPort: number,
  vlan: number,
) => `${ipVersion}|${src}|${dst}|${protocol}|${srcPort}|${dstPort}|${vlan}`;

function expectedKey(spec: FrameSpec): string {
  const protocol = spec.protocol === 'tcp' ? 6 : spec.protocol === 'udp' ? 17 : spec.ipVersion === 4 ? 1 : 58;
  const icmp = spec.protocol === 'icmp';
  return keyOf(
    spec.ipVersion,
    formatAddress(addressBytes(spec.src)),
    formatAddress(addressBytes(spec.dst)),
    protocol,
    icmp ? 0 : (spec.srcPort ?? 0),
    icmp ? (spec.icmpTypeCode ?? 0) : (spec.dstPort ?? 0),
    spec.vlans?.[0] ?? 0,
  );
}

describe('FlowExporter property: nothing is lost or counted twice', () => {
  it('the exported records add up, per direction and 5-tuple + VLAN, to the IP packets and octets observed', () => {
    fc.assert(
      fc.property(exporterOptions, fc.array(event, { maxLength: 120 }), (options, events) => {
        const { exporter, flows } = exporterWith(options);
        const expected = new Map<string, { packets: number; octets: number }>();
        let now = T0;
        let arps = 0;
        for (const e of events) {
          now += e.gapMs;
          if (e.kind === 'tick') exporter.tick(now);
          else if (e.kind === 'arp') {
            exporter.observe(1, ARP, ARP.length, now);
            arps++;
          } else {
            const frame = buildFrame(e.spec);
            // Slices keep the headers (up to 40 bytes of transport and payload after them).
            const headers = linkHeaderLength(e.spec) + (e.spec.ipVersion === 4 ? 20 : 40) + 20;
            const data =
              e.sliceTo === undefined
                ? frame
                : frame.subarray(0, Math.min(frame.length, headers + e.sliceTo));
            exporter.observe(e.spec.link ?? 1, data, frame.length, now);
            const sum = expected.get(expectedKey(e.spec)) ?? { packets: 0, octets: 0 };
            sum.packets++;
            sum.octets += frame.length - linkHeaderLength(e.spec);
            expected.set(expectedKey(e.spec), sum);
          }
        }
        exporter.flush();
        const exported = new Map<string, { packets: number; octets: number }>();
        for (const f of flows) {
          const key = keyOf(
            f.src.includes(':') ? 6 : 4,
            f.src,
            f.dst,
            f.protocol,
            f.srcPort,
            f.dstPort,
            f.vlan,
          );
          const sum = exported.get(key) ?? { packets: 0, octets: 0 };
          sum.packets += f.packets;
          sum.octets += f.octets;
          exported.set(key, sum);
        }
        expect(Object.fromEntries(exported)).toEqual(Object.fromEntries(expected));
        const counters = exporter.counters;
        expect(counters.nonIpFrames).toBe(arps);
        expect(counters.malformedFrames).toBe(0);
        expect(counters.exportedRecords).toBe(flows.length);
        expect(counters.activeFlows).toBe(0);
        expect(counters.packets).toBe([...expected.values()].reduce((n, s) => n + s.packets, 0));
      }),
      { seed: 0xf10, numRuns: 300 },
    );
  });
});
