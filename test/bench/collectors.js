// The receivers the benchmark measures, all started the same way (in the collector namespace,
// pinned to the collector CPU) and all judged the same way: packets in, packets kept.
//
//   broker      `clustertap capture --vxlan 0.0.0.0:4789 -w FILE -q --stats`: the subject, with
//               whichever receive path its build uses (the recvmmsg addon where built).
//   broker-dgram the same, forced onto Node's dgram path (CLUSTERTAP_NO_NATIVE=1).
//   tcpdump     `tcpdump -i ctbench-rx0 -w FILE udp port 4789`: the peer tool (libpcap,
//               TPACKET_V3 ring, default 2 MiB buffer), capturing the outer VXLAN packets;
//               the port is held open by a process that never reads (see below).
//   dgram-null  probe: a Node.js dgram socket that only counts (dgram-null-sink.js).
//   udp-sink    probe: native recvmmsg() + pcapng writing in C (udp-sink.c), i.e. what an
//               N-API receive path could reach.
import path from 'node:path';
import { countPcapngPackets, countPcapRecords } from './capture-count.js';
import { RX_DEV } from './lab.js';
import { udpSocket } from './proc.js';

export const VXLAN_PORT = 4789;
/** This checkout; `--repo DIR` measures another one (e.g. an older commit, built). */
export const DEFAULT_REPO = path.resolve(import.meta.dirname, '../..');

/** Listening sockets are ready once their port shows up in the namespace's /proc/net/udp. */
export const socketReady = (child) => udpSocket(child.pid, VXLAN_PORT) !== undefined;

function lastJsonLine(text, who) {
  const line = text
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${who} printed no statistics: ${text.slice(-500)}`);
  return JSON.parse(line);
}

export const broker = {
  id: 'broker',
  label: 'clustertap capture',
  socket: true,
  extension: 'pcapng',
  argv: (file, { repo = DEFAULT_REPO, cpuProfileDir, perfMap } = {}) => [
    process.execPath,
    ...(cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : []),
    ...(perfMap ? ['--perf-basic-prof'] : []),
    path.join(repo, 'bin/clustertap.js'),
    'capture',
    '--vxlan',
    `0.0.0.0:${VXLAN_PORT}`,
    '-w',
    file,
    '-q',
    '--stats',
  ],
  ready: socketReady,
  result(child, file) {
    // With -w FILE, --stats prints the JSON on stdout when the capture ends.
    const stats = JSON.parse(child.stdout);
    return {
      captured: stats.written,
      inFile: countPcapngPackets(file),
      kernelDrops: stats.kernelDrops,
      writerDropped: stats.writerDropped,
      reported: {
        received: stats.received,
        written: stats.written,
        receiveBufferBytes: stats.listeners[0]?.receiveBufferBytes,
        // Which receive path the build used, where it says (e.g. "vxlan 0.0.0.0:4789 (dgram)").
        listener: stats.listeners[0]?.label,
      },
    };
  },
};

/**
 * The same broker forced onto Node's dgram receive path (CLUSTERTAP_NO_NATIVE=1, read by
 * main/broker/sources/native-udp.ts). Where the native addon is not built, `broker` uses dgram
 * anyway and the two measure the same thing.
 */
export const brokerDgram = {
  ...broker,
  id: 'broker-dgram',
  label: 'clustertap capture (dgram)',
  env: { CLUSTERTAP_NO_NATIVE: '1' },
};

/**
 * The broker with the policy stages the targets name on: capture filter, de-dup, slice.
 * The generator's frames are all UDP with unique sequence numbers, so every stage does its full
 * work and passes every packet (loss still means loss).
 */
export const brokerPolicy = {
  ...broker,
  id: 'broker-policy',
  label: 'clustertap capture -f udp --dedup --slice 96',
  argv: (file, options) => [...broker.argv(file, options), '-f', 'udp', '--dedup', '--slice', '96'],
};

/** Every stage on: filter, de-dup, sampling (a cap far above the offered rate), slice, mask. */
export const brokerAllStages = {
  ...broker,
  id: 'broker-all',
  label: 'clustertap capture, all stages',
  argv: (file, options) => [
    ...broker.argv(file, options),
    ...[
      '-f',
      'udp',
      '--dedup',
      '--sample-rate',
      '100000000',
      '--slice',
      '96',
      '--mask-range',
      'udp-payload:4:8',
    ],
  ],
};

/**
 * `sinkBinary` is the compiled udp-sink.c: run with -n next to tcpdump it holds the port open
 * without reading, so the kernel drops each datagram at the full socket after tcpdump's tap, as
 * it would behind a listener, instead of answering it with an ICMP port unreachable. That keeps
 * the generator's CPU doing the same work as in the broker's trials (the ICMP path cost it a
 * third of its rate).
 */
export const tcpdump = (sinkBinary) => ({
  id: 'tcpdump',
  label: 'tcpdump -w',
  socket: false,
  extension: 'pcap',
  argv: (file) => ['tcpdump', '-i', RX_DEV, '-w', file, 'udp', 'port', String(VXLAN_PORT)],
  ready: (child) => child.stderr.includes('listening on'),
  result(child, file) {
    const count = (what) =>
      Number(new RegExp(`(\\d+) packets? ${what}`).exec(child.stderr)?.[1] ?? Number.NaN);
    const inFile = countPcapRecords(file);
    return {
      captured: inFile,
      inFile,
      kernelDrops: count('dropped by kernel'),
      writerDropped: 0,
      reported: { captured: count('captured'), receivedByFilter: count('received by filter') },
    };
  },
  companion: [sinkBinary, '-n', '-b', '4096', '-p', String(VXLAN_PORT)],
});

export const dgramNull = {
  id: 'dgram-null',
  label: 'probe: Node dgram, count only',
  socket: true,
  probe: true,
  extension: null,
  argv: () => [process.execPath, path.join(import.meta.dirname, 'dgram-null-sink.js'), String(VXLAN_PORT)],
  ready: socketReady,
  result: (child) => ({ captured: lastJsonLine(child.stdout, 'dgram-null-sink').received, inFile: null }),
};

/** `binary` is the compiled udp-sink.c. */
export const udpSink = (binary) => ({
  id: 'udp-sink',
  label: 'probe: C recvmmsg + pcapng',
  socket: true,
  probe: true,
  extension: 'pcapng',
  argv: (file) => [binary, '-p', String(VXLAN_PORT), '-w', file],
  ready: socketReady,
  result(child, file) {
    const stats = lastJsonLine(child.stdout, 'udp-sink');
    return { captured: stats.written, inFile: countPcapngPackets(file), reported: stats };
  },
});
