// One trial (one receiver, one frame size, one offered rate) and the search for the highest rate
// a receiver sustains without loss.
import fs from 'node:fs';
import path from 'node:path';
import { socketReady, VXLAN_PORT } from './collectors.js';
import { Lab, RX_ADDR, RX_NS, TX_NS } from './lab.js';
import { Child, cpuSeconds, memory, runToEnd, sleep, udpSocket, waitFor } from './proc.js';

/** Lossless means fewer than 0.1 % of the offered packets missing from the output. */
export const MAX_LOSS = 0.001;
/**
 * A socket receiver that falls behind hides it for a while in its receive buffer (the broker's
 * 32 MiB SO_RCVBUF, doubled by the kernel, holds ~60 000 small datagrams: 0.2 s at 300 kpps), so
 * a short trial could pass a rate it cannot sustain. A trial therefore also fails if the queue
 * left when the stream stops takes longer than this to drain: with 4 s trials, that bounds the
 * hidden shortfall to about 6 % of the rate.
 */
export const MAX_DRAIN_MS = 250;
/** tcpdump hands packets over in ring blocks retired after its 1 s buffer timeout. */
const PACKET_RING_SETTLE_MS = 1500;
/** The generator is the limit when it achieves less than this share of the requested rate. */
const GENERATOR_SHORTFALL = 0.98;

/**
 * Starts the receiver, offers `rate` datagrams/s of `size`-byte inner frames for `seconds`, lets
 * the receiver finish, stops it and compares what it kept with what was sent.
 */
export async function runTrial(collector, { size, rate, seconds }, env) {
  const file =
    collector.extension &&
    path.join(env.outDir, `${collector.id}-${size}-${Math.round(rate)}.${collector.extension}`);
  const companion = collector.companion && (await startCompanion(collector.companion));
  const argv = collector.argv(file, { repo: env.repo, ...env.collectorOptions });
  // In the scratch directory: node --perf-basic-prof drops an isolate-*.v8.log into its cwd.
  const child = new Child(RX_NS, env.rxCpu, argv, { env: collector.env, cwd: env.outDir });
  try {
    await waitFor(`${collector.id} to start`, () => !child.alive || collector.ready(child), 15_000);
    if (!child.alive) throw new Error(`${collector.id} exited at start: ${child.stderr.trim()}`);
    await sleep(300); // let it finish starting up before the stream begins

    const before = { cpu: cpuSeconds(child.pid), softnetDrops: Lab.softnetDrops() };
    const observing = env.observe?.(child.pid, seconds); // e.g. perf record, for --profile
    const generator = await generate(env, size, rate, seconds);
    await observing;
    const drainMs = await settle(collector, child);
    const after = {
      cpu: cpuSeconds(child.pid),
      memory: memory(child.pid),
      socket: udpSocket(child.pid, VXLAN_PORT),
    };
    const softnetDrops = Lab.softnetDrops() - before.softnetDrops;

    const status = await child.stop();
    if (status.code !== 0)
      throw new Error(`${collector.id} exited with ${status.signal ?? status.code}: ${child.stderr.trim()}`);
    const result = collector.result(child, file);
    return judge({ collector, size, rate, generator, drainMs, before, after, softnetDrops, result });
  } finally {
    if (child.alive) await child.stop(2000);
    if (companion?.alive) await companion.stop(2000);
    if (file) fs.rmSync(file, { force: true });
  }
}

/** A helper process the receiver needs beside it in the namespace (unpinned: it only sleeps). */
async function startCompanion(argv) {
  const companion = new Child(RX_NS, undefined, argv);
  await waitFor(`${argv[0]} to bind`, () => !companion.alive || socketReady(companion), 5000);
  if (!companion.alive) throw new Error(`${argv.join(' ')} exited: ${companion.stderr.trim()}`);
  return companion;
}

async function generate(env, size, rate, seconds) {
  const argv = [
    env.generator,
    '-d',
    RX_ADDR,
    '-p',
    String(VXLAN_PORT),
    '-r',
    String(Math.round(rate)),
    '-t',
    String(seconds),
  ];
  argv.push('-s', String(size), '-v', env.vnis, '-b', String(env.burst), '-g', String(env.burst));
  return JSON.parse(await runToEnd(TX_NS, env.txCpu, argv));
}

/** Lets the receiver finish what is queued: returns the drain time (null where not measurable). */
async function settle(collector, child) {
  if (collector.socket) return drainTime(child);
  await sleep(PACKET_RING_SETTLE_MS);
  return null;
}

const DRAIN_TIMEOUT_MS = 3000;

/** Milliseconds until the receive queue is empty; DRAIN_TIMEOUT_MS if it still is not by then. */
async function drainTime(child) {
  const start = performance.now();
  while (performance.now() - start < DRAIN_TIMEOUT_MS) {
    const socket = udpSocket(child.pid, VXLAN_PORT);
    if (!socket || socket.rxQueue === 0) return Math.round(performance.now() - start);
    await sleep(5);
  }
  return DRAIN_TIMEOUT_MS;
}

function judge({ collector, size, rate, generator, drainMs, before, after, softnetDrops, result }) {
  const offered = generator.sent;
  const lost = offered - result.captured;
  const lossRatio = lost / offered;
  const cpuUser = after.cpu.user - before.cpu.user;
  const cpuSystem = after.cpu.system - before.cpu.system;
  const pass = lossRatio < MAX_LOSS && (drainMs === null || drainMs <= MAX_DRAIN_MS);
  // CPU use while the stream flows and the receiver drains what is left of it: the share of one
  // core (the receiver is pinned to one) over that window. tcpdump has no measurable drain.
  const busySeconds = generator.seconds + (drainMs ?? 0) / 1000;
  const percentOf = (cpu) => Math.round((cpu / busySeconds) * 100);
  return {
    tool: collector.id,
    size,
    requestedPps: Math.round(rate),
    offeredPps: Math.round(generator.pps),
    offeredInnerGbps: generator.innerGbps,
    generatorLimited: generator.pps < rate * GENERATOR_SHORTFALL,
    seconds: generator.seconds,
    offered,
    captured: result.captured,
    inFile: result.inFile,
    lost,
    lossPercent: Number((lossRatio * 100).toFixed(4)),
    drainMs,
    pass,
    // Kernel drops: the socket's receive queue overflowed (UDP) or tcpdump's ring was full.
    kernelDrops: result.kernelDrops ?? after.socket?.drops ?? null,
    writerDropped: result.writerDropped ?? null,
    softnetDrops,
    cpuPercent: percentOf(cpuUser + cpuSystem),
    // What each packet cost the receiver: comparable across trials even when the hypervisor gave
    // the receiver's vCPU less than a full core (see BENCHMARKS.md, "the machine").
    cpuMicrosPerPacket: Number((((cpuUser + cpuSystem) / offered) * 1e6).toFixed(2)),
    cpuUserPercent: percentOf(cpuUser),
    cpuSystemPercent: percentOf(cpuSystem),
    peakRssBytes: after.memory.peakRss,
    generator: {
      cpuPercent: Math.round((generator.cpuSeconds / generator.seconds) * 100),
      lateBursts: generator.lateBursts,
      maxLateUs: generator.maxLateUs,
      sendErrors: generator.sendErrors,
    },
    reported: result.reported,
  };
}

/**
 * Bisects (geometrically) for the highest offered rate that passes: starts at the target, goes up
 * by doubling while it passes (up to `maxPps`), down by halving while it fails, then narrows the
 * gap until the passing and failing rates are within `resolution` of each other. A pass at a rate
 * the generator could not fully deliver ends the search: the receiver is faster than the stream.
 */
export async function findMaxRate(collector, size, search, env, log) {
  const trials = [];
  let passed; // the trial with the highest passing offered rate
  let failedPps = Number.POSITIVE_INFINITY; // the lowest failing offered rate
  let generatorBound = false;
  let rate = search.startPps;
  while (trials.length < search.maxTrials) {
    const trial = await runTrial(collector, { size, rate, seconds: search.seconds }, env);
    trials.push(trial);
    log(trial);
    if (trial.pass) {
      if (!passed || trial.offeredPps > passed.offeredPps) passed = trial;
      generatorBound = trial.generatorLimited;
      if (generatorBound || rate >= search.maxPps) break;
    } else {
      failedPps = Math.min(failedPps, trial.offeredPps);
    }
    const low = passed?.offeredPps ?? 0;
    if (low > 0 && failedPps / low <= 1 + search.resolution) break;
    if (failedPps === Number.POSITIVE_INFINITY) rate = Math.min(low * 2, search.maxPps);
    else if (low === 0) rate = failedPps / 2;
    else rate = Math.sqrt(low * failedPps);
  }
  return summarizeSeries(collector, size, search, trials, passed, failedPps, generatorBound);
}

/**
 * `bound` says what the maximum means: "receiver" (it failed just above: the receiver's limit),
 * "generator" (the generator could not offer more: a lower limit), "search-cap" (never failed up
 * to the cap: a lower limit), "none-passed".
 */
function summarizeSeries(collector, size, search, trials, passed, failedPps, generatorBound) {
  const bound = !passed
    ? 'none-passed'
    : generatorBound
      ? 'generator'
      : failedPps === Number.POSITIVE_INFINITY
        ? 'search-cap'
        : 'receiver';
  const reachedTarget = (passed?.offeredPps ?? 0) >= search.targetPps * GENERATOR_SHORTFALL;
  return {
    tool: collector.id,
    label: collector.label,
    probe: Boolean(collector.probe),
    listener: trials.at(-1)?.reported?.listener,
    size,
    targetPps: search.targetPps,
    // The highest lossless rate found; with bound "generator" or "search-cap" a lower limit only.
    maxLosslessPps: passed?.offeredPps ?? 0,
    maxLosslessInnerGbps: passed?.offeredInnerGbps ?? 0,
    lowestFailingPps: Number.isFinite(failedPps) ? failedPps : null,
    bound,
    // null: the generator could not offer the target rate, so it was not tested.
    meetsTarget: reachedTarget ? true : bound === 'generator' ? null : false,
    atMax: passed && {
      cpuPercent: passed.cpuPercent,
      cpuUserPercent: passed.cpuUserPercent,
      cpuSystemPercent: passed.cpuSystemPercent,
      cpuMicrosPerPacket: passed.cpuMicrosPerPacket,
      peakRssBytes: passed.peakRssBytes,
    },
    peakRssBytes: Math.max(...trials.map((t) => t.peakRssBytes)),
    trials,
  };
}
