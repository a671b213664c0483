import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FlowExporter,
  type FlowExporterCounters,
  type FlowExportKind,
} from '../../main/broker/flows/flow-exporter.js';
import { createUdpFlowSender } from '../../main/broker/flows/udp-flow-sender.js';
import { openCapture } from '../../main/capture/read-capture.js';
import { toSeconds } from '../../main/capture/timestamp.js';
import { CLI, hasCommand, SYSTEM_PYTHON, sh, start, tempDir, waitFor } from '../helpers/run.js';

/**
 * The flow exporter against softflowd, the reference: the same pcap (scapy: TCP closed by FINs,
 * by RST, refused, and its 5-tuple reused; UDP; ICMP; IPv6; the same 5-tuple on two VLANs; IPv4
 * fragments; Ethernet padding; ARP; spread over 40 minutes so inactive and active timeouts split
 * flows) is exported by both, as NetFlow v9 and as IPFIX, each into its own nfcapd on loopback,
 * and read back with nfdump. Summed per direction and 5-tuple, packets and octets must agree.
 * The same again with every frame sliced to 80 bytes (`tcpdump -s 80`, the slice stage).
 */
const GENERATOR = path.join(import.meta.dirname, 'fixtures/flows-make-pcap.py');
const SNAPLEN = 80;

function unavailableReason(): string | undefined {
  const missing = ['softflowd', 'nfcapd', 'nfdump'].filter((command) => !hasCommand(command));
  if (missing.length > 0) return `${missing.join(', ')} not installed (apt-get install softflowd nfdump)`;
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import scapy.all'], { stdio: 'ignore' });
  } catch {
    return `${SYSTEM_PYTHON} cannot import scapy (apt-get install python3-scapy)`;
  }
  return undefined;
}

const unavailable = unavailableReason();
if (unavailable) console.warn(`flows-vs-softflowd: cannot run here: ${unavailable}`);

/** What nfdump prints for one record. */
interface NfdumpFlow {
  key: string;
  packets: number;
  bytes: number;
  vlan: number;
  durationSeconds: number;
}

interface Collected {
  flows: NfdumpFlow[];
  /** nfcapd's closing summary: "Ident: 'none' Flows: …, Sequence Errors: …". */
  summary: string;
  dir: string;
}

describe.skipIf(unavailable !== undefined)(
  'flow export: ClusterTap vs softflowd, through nfcapd/nfdump',
  () => {
    // Made in beforeAll: a suite skipped on this machine leaves nothing behind.
    let dir = '';
    let full = '';
    let sliced = '';
    let runs = 0;

    beforeAll(() => {
      dir = tempDir('ct-flows');
      full = path.join(dir, 'full.pcap');
      sliced = path.join(dir, 'sliced.pcap');
      sh(SYSTEM_PYTHON, [GENERATOR, full, sliced, String(SNAPLEN)]);
    });

    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Starts nfcapd on a free loopback port, lets `exporter` send to it, stops it (SIGTERM writes the file). */
    async function collect(exporter: (target: string) => Promise<void>): Promise<Collected> {
      const out = path.join(dir, `nfcapd-${runs++}`);
      fs.mkdirSync(out);
      const port = await freeUdpPort();
      const nfcapd = start('nfcapd', ['-w', out, '-p', String(port), '-b', '127.0.0.1']);
      try {
        await waitFor(
          () => /Startup/.test(nfcapd.stdout() + nfcapd.stderr()) || nfcapd.child.exitCode !== null,
          10_000,
          'nfcapd to listen',
        );
        if (nfcapd.child.exitCode !== null) throw new Error(`nfcapd exited: ${nfcapd.stderr()}`);
        await exporter(`127.0.0.1:${port}`);
        await new Promise((resolve) => setTimeout(resolve, 200)); // the last datagrams reach nfcapd
      } finally {
        nfcapd.child.kill('SIGTERM');
        await nfcapd.exited;
      }
      const summary =
        (nfcapd.stdout() + nfcapd.stderr()).split('\n').find((l) => l.startsWith('Ident:')) ?? '';
      return { flows: readNfdump(out), summary, dir: out };
    }

    const softflowd = (file: string, kind: FlowExportKind) =>
      collect(async (target) => {
        // -a: flow times from the file; -c none: no control socket. With -r it exports at EOF.
        sh('softflowd', ['-r', file, '-n', target, '-v', kind === 'ipfix' ? '10' : '9', '-a', '-c', 'none']);
      });

    async function ours(file: string, kind: FlowExportKind, samplingInterval = 1) {
      let counters: FlowExporterCounters | undefined;
      const collected = await collect(async (target) => {
        const sender = await createUdpFlowSender(target, kind);
        const exporter = new FlowExporter(
          { send: (datagram) => sender.send(datagram) },
          { kind, samplingInterval },
        );
        const capture = await openCapture(file);
        for await (const record of capture.records)
          exporter.observe(
            record.linkType,
            record.data,
            record.originalLength,
            toSeconds(record.timestamp) * 1000,
          );
        exporter.flush();
        await capture.close();
        await sender.close();
        expect(sender.counters.sendErrors).toBe(0);
        counters = exporter.counters;
      });
      return { ...collected, counters: counters as FlowExporterCounters };
    }

    describe.each([
      ['whole frames', () => full],
      [`frames sliced to ${SNAPLEN} bytes`, () => sliced],
    ])('%s', (_, file) => {
      it.each(['netflow9', 'ipfix'] as const)(
        '%s: packets and octets per direction and 5-tuple agree',
        async (kind) => {
          const reference = await softflowd(file(), kind);
          const ourRun = await ours(file(), kind);
          const theirs = perFiveTuple(reference.flows);
          const mine = perFiveTuple(ourRun.flows);
          console.log(
            `flows-vs-softflowd ${kind}, ${path.basename(file())}: softflowd ${reference.flows.length} records, ` +
              `ClusterTap ${ourRun.flows.length} records; both ${total(theirs, 'packets')} packets, ` +
              `${total(theirs, 'bytes')} bytes in ${Object.keys(theirs).length} directional 5-tuples`,
          );
          expect(mine).toEqual(theirs);
          expect(Object.keys(mine).length).toBeGreaterThan(30);
          // Every IP frame of the file, and only those, is in a flow.
          expect(total(mine, 'packets')).toBe(ourRun.counters.packets);
          expect(ourRun.counters).toMatchObject({
            nonIpFrames: 2,
            malformedFrames: 0,
            evictions: 0,
            activeFlows: 0,
          });
          expect(ourRun.summary).toContain(`Flows: ${ourRun.counters.exportedRecords},`);
          if (kind === 'netflow9') expect(ourRun.summary).toContain('Sequence Errors: 0');
        },
      );
    });

    it.each(['netflow9', 'ipfix'] as const)(
      'clustertap capture -r FILE --%s HOST:PORT exports what softflowd exports, beside the pcapng',
      async (kind) => {
        const reference = await softflowd(full, kind);
        let stats:
          | { flows: Array<{ kind: string; packets: number; sendErrors: number }>; written: number }
          | undefined;
        const viaCli = await collect(async (target) => {
          const out = path.join(dir, `cli-${kind}.pcapng`);
          const run = start(process.execPath, [
            CLI,
            'capture',
            '-r',
            full,
            '-w',
            out,
            `--${kind}`,
            target,
            '--stats',
            '-q',
          ]);
          expect(await run.exited).toBe(0);
          stats = JSON.parse(run.stdout());
        });
        expect(perFiveTuple(viaCli.flows)).toEqual(perFiveTuple(reference.flows));
        expect(stats?.flows).toEqual([expect.objectContaining({ kind, sendErrors: 0 })]);
        expect(stats?.written).toBeGreaterThan(500);
      },
    );

    it('splits flows by the timeouts, where softflowd -r only flushes at the end', async () => {
      const ourRun = await ours(full, 'netflow9');
      const reference = await softflowd(full, 'netflow9');
      const longLived = (flows: NfdumpFlow[]) =>
        flows.filter((f) => f.key === '6|10.1.0.5|50000|10.1.0.6|5432');
      expect(longLived(reference.flows)).toHaveLength(1);
      // Two idle gaps over 15 s, then one busy stretch cut at the 30-minute active timeout.
      const durations = longLived(ourRun.flows).map((f) => f.durationSeconds);
      expect(durations.length).toBeGreaterThanOrEqual(4);
      expect(Math.max(...durations)).toBeGreaterThanOrEqual(1790);
      expect(Math.max(...durations)).toBeLessThan(1800);
      // The UDP stream paused for 60 s: two records.
      expect(ourRun.flows.filter((f) => f.key === '17|10.1.0.7|6000|10.1.0.8|6001')).toHaveLength(2);
    });

    it('keeps the same 5-tuple on two VLANs apart and reports each VLAN ID', async () => {
      const ourRun = await ours(full, 'ipfix');
      const vlans = ourRun.flows.filter((f) => f.key === '6|10.2.0.1|40100|10.2.0.2|80').map((f) => f.vlan);
      expect(vlans.sort()).toEqual([100, 200]);
    });

    it.each(['netflow9', 'ipfix'] as const)(
      '%s: the collector learns the sampling interval and scales the counts by it',
      async (kind) => {
        const unsampled = perFiveTuple((await ours(full, kind)).flows);
        const sampled = await ours(full, kind, 10);
        expect(total(perFiveTuple(sampled.flows), 'packets')).toBe(10 * total(unsampled, 'packets'));
        expect(total(perFiveTuple(sampled.flows), 'bytes')).toBe(10 * total(unsampled, 'bytes'));
        const exporters = sh('nfdump', [
          '-E',
          ...fs.readdirSync(sampled.dir).map((f) => path.join(sampled.dir, f)),
        ]);
        expect(exporters).toMatch(/packet interval: 1, packet space: 9/);
      },
    );
  },
);

function readNfdump(dir: string): NfdumpFlow[] {
  const out = sh('nfdump', ['-R', dir, '-q', '-N', '-o', 'fmt:%pr|%sa|%sp|%da|%dp|%pkt|%byt|%svln|%td']);
  return out
    .split('\n')
    .filter((line) => line.includes('|'))
    .map((line) => {
      const [protocol, src, srcPort, dst, dstPort, packets, bytes, vlan, duration] = line
        .split('|')
        .map((f) => f.trim());
      return {
        key: [protocol, src, srcPort, dst, dstPort].join('|'),
        packets: Number(packets),
        bytes: Number(bytes),
        vlan: Number(vlan),
        durationSeconds: Number(duration),
      };
    });
}

/** Packets and bytes per direction and 5-tuple, summed over records (and VLANs). */
function perFiveTuple(flows: NfdumpFlow[]): Record<string, { packets: number; bytes: number }> {
  const sums: Record<string, { packets: number; bytes: number }> = {};
  for (const flow of flows) {
    const sum = sums[flow.key] ?? { packets: 0, bytes: 0 };
    sum.packets += flow.packets;
    sum.bytes += flow.bytes;
    sums[flow.key] = sum;
  }
  return sums;
}

function total(sums: Record<string, { packets: number; bytes: number }>, field: 'packets' | 'bytes'): number {
  return Object.values(sums).reduce((n, sum) => n + sum[field], 0);
}

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
