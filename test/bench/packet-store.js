// Packet store benchmark: what the live packet list costs at 1M packets, next to Wireshark's
// tools reading the same packets. See BENCHMARKS.md and main/capture/packet-store/README.md.
//
//   npx tsc -p tsconfig.json && node test/bench/packet-store.js [--packets N] [--dir DIR] [--no-tshark]
//
// Measures: append rate (1024-packet batches per event-loop turn, as the broker delivers them),
// RSS/heap per packet held, display filter over every packet (trivial predicate) with the longest
// event-loop stall, rows() latency for a screen of 50 rows, export rate, open() rate; then
// `tshark -r`, `tshark -2 -r` and `editcap` on the exported file (time, peak RSS via /usr/bin/time -v).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { PacketStore } from '../../dist/main/capture/packet-store/index.js';

const { values: flags } = parseArgs({
  options: {
    packets: { type: 'string', default: '1000000' },
    dir: { type: 'string', default: os.tmpdir() },
    tshark: { type: 'boolean', default: true },
    json: { type: 'string' },
  },
  allowNegative: true,
});
const PACKETS = Number(flags.packets);
const BATCH = 1024;
const MiB = 2 ** 20;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const settle = () => {
  gc();
  gc();
  return process.memoryUsage();
};

/** A pool of Ethernet/IPv4/UDP frames of uniformly mixed sizes 60–1500 B (seeded: same every run). */
function framePool(count) {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  return Array.from({ length: count }, (_, i) => {
    const length = 60 + Math.floor(random() * 1441);
    const frame = Buffer.alloc(length, i & 0xff);
    frame.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0], 0);
    frame.writeUInt16BE(length - 14, 16);
    frame.set([0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1 + (i % 4), 10, 0, 9, 9], 18);
    frame.writeUInt16BE(40000 + (i % 7), 34);
    frame.writeUInt16BE(9000, 36);
    frame.writeUInt16BE(length - 34, 38);
    return frame;
  });
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const round = (x, digits = 2) => Number(x.toFixed(digits));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** Runs a command under /usr/bin/time -v: wall seconds and peak RSS in MiB. */
function timed(command, args) {
  const run = spawnSync('/usr/bin/time', ['-v', command, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 26,
  });
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${run.stderr.slice(-500)}`);
  const field = (name) => new RegExp(`${name}: (.+)`).exec(run.stderr)?.[1] ?? '';
  const [m, s] = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)').split(':').slice(-2);
  return {
    seconds: Number(m) * 60 + Number(s),
    peakRssMiB: Number(field('Maximum resident set size \\(kbytes\\)')) / 1024,
  };
}

async function main() {
  const pool = framePool(4096);
  const results = {
    packets: PACKETS,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model}`,
    dir: flags.dir,
  };
  const store = new PacketStore({
    tempDirectory: flags.dir,
    maxPackets: PACKETS + 1,
    maxSpillBytes: 2 ** 40,
  });
  const taps = ['node-a/shop/cart-7', 'node-a/shop/web-1', 'node-b/kube-system/dns-1', 'node-b/db/pg-0'];
  for (const [i, pod] of taps.flatMap((p) => [`${p} (ingress)`, `${p} (egress)`]).entries())
    store.addInterface({ name: pod, linkType: 1, tsResolution: 9, description: `tap ${i}` });
  const before = settle();

  // 1. Append: batches per event-loop turn; waits for the disk only when the spill backlog is full.
  let bytes = 0;
  let appendCpu = 0n;
  const start = process.hrtime.bigint();
  let ns = 1_700_000_000_000_000_000n;
  for (let n = 0; n < PACKETS; n += BATCH) {
    const t0 = process.hrtime.bigint();
    for (let k = n; k < Math.min(PACKETS, n + BATCH); k++) {
      const frame = pool[k & 4095];
      if (!store.hasRoom(frame.length)) {
        appendCpu += process.hrtime.bigint() - t0;
        await store.whenWritable();
      }
      ns += 10_000n;
      store.append(k & 7, Number(ns >> 32n), Number(ns & 0xffffffffn), frame, frame.length, 1 + (k & 1));
      bytes += frame.length;
    }
    appendCpu += process.hrtime.bigint() - t0;
    await turn();
  }
  await store.flush();
  const appendSeconds = seconds(start);
  const stats = store.stats();
  if (stats.count !== PACKETS || stats.droppedBacklog !== 0)
    throw new Error(`lost packets: ${JSON.stringify(stats)}`);
  results.append = {
    packetsPerSecond: Math.round(PACKETS / appendSeconds),
    MiBPerSecond: round(bytes / MiB / appendSeconds),
    cpuMicrosPerPacket: round(Number(appendCpu) / 1e3 / PACKETS, 3),
    averageBytes: Math.round(bytes / PACKETS),
  };

  // 2. Memory per packet held (after GC; the spill's spare write buffers are a constant ≤ 9 MiB).
  const after = settle();
  results.memory = {
    rssBytesPerPacket: round((after.rss - before.rss) / PACKETS, 1),
    heapBytesPerPacket: round((after.heapUsed - before.heapUsed) / PACKETS, 1),
    arrayBufferBytesPerPacket: round((after.arrayBuffers - before.arrayBuffers) / PACKETS, 1),
    metadataBytesPerPacket: round(stats.metadataBytes / PACKETS, 1),
    rssMiB: round(after.rss / MiB, 1),
    spillMiB: round(stats.spillBytes / MiB, 1),
  };

  // 3. Display filter over every packet, trivial predicate; the event loop's longest stall meanwhile.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let t = process.hrtime.bigint();
  const outcome = await store.setDisplayFilter((_n, frame) => frame[35] === 0x43); // port 40003
  const filterSeconds = seconds(t);
  delay.disable();
  results.filter = {
    seconds: round(filterSeconds),
    packetsPerSecond: Math.round(PACKETS / filterSeconds),
    displayed: outcome.displayedCount,
    maxEventLoopStallMs: round(delay.max / 1e6, 1),
    p99EventLoopStallMs: round(delay.percentile(99) / 1e6, 1),
  };
  await store.setDisplayFilter(undefined);

  // 4. rows(): a screen of 50 rows at 200 random places (summaries not cached: read from the spill).
  const latencies = [];
  for (let i = 0; i < 200; i++) {
    t = process.hrtime.bigint();
    await store.rows(Math.floor(Math.random() * (PACKETS - 50)), 50, 'all');
    latencies.push(seconds(t) * 1000);
  }
  latencies.sort((a, b) => a - b);
  results.rows = {
    medianMs: round(percentile(latencies, 50), 3),
    p99Ms: round(percentile(latencies, 99), 3),
  };

  // 5. Export everything, then open it again into a new store.
  const file = path.join(flags.dir, `clustertap-bench-${process.pid}.pcapng`);
  // Both file writers start with the kernel's dirty pages written back (the spill's, 750 MB):
  // otherwise whichever runs first competes with that writeback.
  execFileSync('sync');
  t = process.hrtime.bigint();
  await store.export('all', file);
  const exportSeconds = seconds(t);
  const fileBytes = fs.statSync(file).size;
  t = process.hrtime.bigint();
  await store.export('all', '/dev/null'); // the store's own cost, without the disk
  const exportCpuSeconds = seconds(t);
  results.export = {
    seconds: round(exportSeconds),
    packetsPerSecond: Math.round(PACKETS / exportSeconds),
    MiBPerSecond: round(fileBytes / MiB / exportSeconds),
    toDevNullPacketsPerSecond: Math.round(PACKETS / exportCpuSeconds),
  };
  await store.close();
  t = process.hrtime.bigint();
  const opened = await PacketStore.open(file, {
    tempDirectory: flags.dir,
    maxPackets: PACKETS + 1,
    maxSpillBytes: 2 ** 40,
  });
  const openSeconds = seconds(t);
  results.open = { seconds: round(openSeconds), packetsPerSecond: Math.round(opened.packets / openSeconds) };
  await opened.store.close();

  // 6. Wireshark's tools on the same file.
  if (flags.tshark) {
    const tshark = timed('tshark', ['-r', file]);
    const twoPass = timed('tshark', ['-2', '-r', file, '-Y', 'udp.srcport == 40003']);
    const baseline = timed('tshark', ['-r', file, '-c', '1']);
    const copy = path.join(flags.dir, `clustertap-bench-${process.pid}-copy.pcapng`);
    execFileSync('sync');
    const editcap = timed('editcap', [file, copy]);
    fs.rmSync(copy, { force: true });
    results.wireshark = {
      version: execFileSync('tshark', ['--version'], { encoding: 'utf8' }).split('\n')[0],
      tsharkRead: { ...tshark, packetsPerSecond: Math.round(PACKETS / tshark.seconds) },
      tsharkTwoPassFilter: twoPass,
      tsharkOnePacketPeakRssMiB: baseline.peakRssMiB,
      tsharkBytesPerPacket: round(((twoPass.peakRssMiB - baseline.peakRssMiB) * MiB) / PACKETS, 1),
      editcapCopy: { ...editcap, packetsPerSecond: Math.round(PACKETS / editcap.seconds) },
    };
    results.ratios = {
      openVsTsharkRead: round(tshark.seconds / openSeconds),
      filterVsTsharkTwoPassFilter: round(twoPass.seconds / filterSeconds),
      exportVsEditcap: round(editcap.seconds / exportSeconds),
      memoryPerPacketVsTshark: round(
        results.memory.rssBytesPerPacket / results.wireshark.tsharkBytesPerPacket,
      ),
      notes: [
        'time ratios > 1: the store is faster; memory ratio < 1: the store is smaller',
        'tshark dissects every packet; open() and the trivial filter do not: those two are upper bounds',
        'export and editcap both rewrite the file on the same disk: like for like',
        'tshark bytes per packet: peak RSS of -2 (keeps every frame) minus peak RSS with -c 1',
      ],
    };
  }
  fs.rmSync(file, { force: true });
  console.log(JSON.stringify(results, null, 2));
  if (flags.json) fs.writeFileSync(flags.json, `${JSON.stringify(results, null, 2)}\n`);
}

await main();
