// VXLAN ingest benchmark: the highest offered rate `clustertap capture` writes without loss, next
// to `tcpdump -w` capturing the same stream, on this machine, in one run. See BENCHMARKS.md.
//
//   npm run bench                 full run (~4–5 min): 64 B and 1400 B, broker, tcpdump, probes
//   npm run bench -- --profile    the same, then profiles the broker (~1 min more)
//   npm run bench -- --quick      sanity run (~30 s): one short trial per receiver at the target
//   node test/bench/vxlan-ingest.js --help
//
// Needs root (network namespaces, sysctl), gcc, tcpdump, iproute2, ethtool, taskset. Traffic never
// leaves the two namespaces it creates (ctbench-tx, ctbench-rx), which are deleted at the end,
// also on Ctrl-C or an error.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as collectors from './collectors.js';
import { formatCpuProfile, summarizeCpuProfile } from './cpu-profile.js';
import { Lab } from './lab.js';
import { describeCode, describeMachine, measureCpuSharing } from './machine.js';
import { formatPerf, perfAvailable, recordPerf, summarizePerf } from './perf-profile.js';
import { Child } from './proc.js';
import { printSummary, printTrial } from './report.js';
import { findMaxRate, MAX_DRAIN_MS, MAX_LOSS, runTrial } from './trial.js';

const HELP = `usage: node test/bench/vxlan-ingest.js [options]
  --quick              one 2 s trial per receiver and size, at the target rate
  --seconds N          seconds per trial (default 4)
  --sizes LIST         inner frame sizes in bytes (default 64,1400)
  --tools LIST         broker,broker-policy,broker-all,broker-dgram,tcpdump,dgram-null,udp-sink (default: all)
  --max-trials N       trials per receiver and size in the search (default 6)
  --profile            also profile the broker per size: node --cpu-prof, and perf record if installed
  --no-pin             do not pin generator and receiver to separate CPUs
  --out-dir DIR        where captures are written during a trial (default: /dev/shm, a tmpfs)
  --json FILE          results file (default: ~/.cache/clustertap/bench/results/vxlan-ingest-DATE.json)
  --repo DIR           measure the built ClusterTap checkout in DIR (default: this one)`;

const cacheDir = path.join(os.homedir(), '.cache/clustertap/bench');
/**
 * Generator on CPU 0, receiver on CPU 1: neither steals the other's core (on a VM only if its
 * vCPUs are backed by separate cores, which the run checks and records: machine.cpuSharing).
 */
const TX_CPU = 0;
const RX_CPU = 1;
/** Datagrams per paced burst, sent as one UDP GSO send (see vxlan-gen.c). */
const BURST = 32;
/** Four tunnels, so the broker keeps four output interfaces as it would for four pods. */
const VNIS = '100,101,102,103';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    sizes: { type: 'string', default: '64,1400' },
    tools: {
      type: 'string',
      default: 'broker,broker-policy,broker-all,broker-dgram,tcpdump,dgram-null,udp-sink',
    },
    'max-trials': { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    'out-dir': { type: 'string' },
    json: { type: 'string' },
    repo: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}

const repo = path.resolve(flags.repo ?? collectors.DEFAULT_REPO);
const seconds = Number(flags.seconds ?? (flags.quick ? 2 : 4));
const maxTrials = Number(flags['max-trials'] ?? (flags.quick ? 1 : 6));
const sizes = flags.sizes.split(',').map(Number);

/** The targets: 300 kpps of small frames, 1 Gbit/s of large ones — whichever is lower. */
function searchFor(size) {
  const targetPps = Math.round(Math.min(300_000, 1e9 / (size * 8)));
  return { targetPps, startPps: targetPps, maxPps: targetPps * 3, seconds, maxTrials, resolution: 0.05 };
}

function checkPrerequisites() {
  if (process.getuid?.() !== 0)
    throw new Error('needs root: it creates network namespaces and raises net.core.rmem_max');
  for (const command of ['ip', 'tcpdump', 'gcc', 'taskset', 'ethtool']) {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    } catch {
      throw new Error(
        `${command} is missing (apt-get install -y ${command === 'ip' ? 'iproute2' : command === 'taskset' ? 'util-linux' : command})`,
      );
    }
  }
  if (!fs.existsSync(path.join(repo, 'dist/main/cli/main.js')))
    throw new Error(`${repo} is not built: run \`npm run build\` there`);
  if (os.cpus().length < 2 && !flags['no-pin']) throw new Error('pinning needs two CPUs; use --no-pin');
}

/** Compiles the C helpers into the cache (never into the repository) when their source changed. */
function compile(name) {
  const source = path.join(import.meta.dirname, `${name}.c`);
  const binary = path.join(cacheDir, name);
  fs.mkdirSync(cacheDir, { recursive: true });
  if (!fs.existsSync(binary) || fs.statSync(binary).mtimeMs < fs.statSync(source).mtimeMs)
    execFileSync('gcc', ['-O2', '-Wall', '-o', binary, source], { stdio: 'inherit' });
  return binary;
}

function chooseOutDir() {
  const base = flags['out-dir'] ?? (fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
  const dir = fs.mkdtempSync(path.join(base, 'ctbench-'));
  // The largest capture of the run: the search's cap for 1400 B frames plus headers.
  const worstBytes = Math.max(...sizes.map((s) => searchFor(s).maxPps * seconds * (s + 64)));
  const { bavail, bsize } = fs.statfsSync(dir);
  if (bavail * bsize < worstBytes * 1.2)
    console.warn(
      `warning: ${dir} has ${((bavail * bsize) / 2 ** 30).toFixed(1)} GiB free; a trial may write ${(worstBytes / 2 ** 30).toFixed(1)} GiB`,
    );
  return dir;
}

/** Ctrl-C, SIGTERM, an exception or a normal end: children killed, namespaces and sysctls restored. */
function installCleanup(lab, outDir) {
  const cleanUp = () => {
    Child.killAll();
    lab.tearDown();
    fs.rmSync(outDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      cleanUp();
      process.exit(130);
    });
  }
  process.on('exit', cleanUp);
  return cleanUp;
}

/**
 * Where the broker's time goes: for each broker variant measured and each frame size, one trial at
 * the target rate under node --cpu-prof and one under perf record (when installed).
 */
async function profileBrokers(brokers, env) {
  const profiles = [];
  for (const broker of brokers)
    for (const size of sizes) profiles.push(await profileBroker(broker, size, env));
  return profiles;
}

async function profileBroker(broker, size, env) {
  const rate = searchFor(size).targetPps;
  const dir = fs.mkdtempSync(path.join(cacheDir, 'cpuprofile-'));
  const trial = await runTrial(
    broker,
    { size, rate, seconds },
    { ...env, collectorOptions: { cpuProfileDir: dir } },
  );
  const file = path.join(
    dir,
    fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile')),
  );
  const cpuProfile = summarizeCpuProfile(JSON.parse(fs.readFileSync(file, 'utf8')));
  console.log(
    `\n${broker.label}, ${size} B at ${rate} pps offered: ${trial.lossPercent} % lost, ` +
      `CPU ${trial.cpuPercent} % (user ${trial.cpuUserPercent}, sys ${trial.cpuSystemPercent})`,
  );
  console.log(`node --cpu-prof (${file}):\n${formatCpuProfile(cpuProfile)}`);
  const perf = perfAvailable() ? await perfTrial(broker, size, rate, env) : undefined;
  if (perf)
    console.log(`perf record, share of the broker's CPU samples (${perf.file}):\n${formatPerf(perf.groups)}`);
  return {
    tool: broker.id,
    size,
    rate,
    cpuProfileTrial: trial,
    cpuProfileFile: file,
    cpuProfile,
    ...(perf && { perf }),
  };
}

async function perfTrial(broker, size, rate, env) {
  const file = path.join(cacheDir, `perf-${broker.id}-${size}.data`);
  // perf starts with the stream and stops half a second before it ends: steady state only.
  let pid;
  const observe = (brokerPid, trafficSeconds) => {
    pid = brokerPid;
    return recordPerf(pid, Math.max(1, trafficSeconds - 0.5), file);
  };
  const options = { ...env, observe, collectorOptions: { perfMap: true } };
  const trial = await runTrial(broker, { size, rate, seconds }, options);
  // --perf-basic-prof leaves /tmp/perf-<pid>.map behind for perf report; remove it once read.
  const groups = summarizePerf(file);
  fs.rmSync(`/tmp/perf-${pid}.map`, { force: true });
  return { file, groups, lossPercent: trial.lossPercent, cpuPercent: trial.cpuPercent };
}

async function main() {
  checkPrerequisites();
  const generator = compile('vxlan-gen');
  const sink = compile('udp-sink');
  const available = {
    broker: collectors.broker,
    'broker-dgram': collectors.brokerDgram,
    'broker-policy': collectors.brokerPolicy,
    'broker-all': collectors.brokerAllStages,
    tcpdump: collectors.tcpdump(sink),
    'dgram-null': collectors.dgramNull,
    'udp-sink': collectors.udpSink(sink),
  };
  const tools = flags.tools.split(',').map((id) => {
    if (!available[id]) throw new Error(`unknown tool ${id}; expected ${Object.keys(available).join(', ')}`);
    return available[id];
  });
  const outDir = chooseOutDir();
  const lab = new Lab({ restoreFile: path.join(cacheDir, 'sysctl-restore.json') });
  const cleanUp = installCleanup(lab, outDir);
  const pin = !flags['no-pin'];
  const env = {
    outDir,
    generator,
    txCpu: pin ? TX_CPU : undefined,
    rxCpu: pin ? RX_CPU : undefined,
    burst: BURST,
    vnis: VNIS,
    repo,
  };

  const startedAt = new Date();
  lab.setUp();
  const info = describeMachine();
  console.log(`${info.cpus} × ${info.cpuModel}, ${info.kernel}, node ${info.node}; trials of ${seconds} s`);
  if (pin) {
    info.cpuSharing = await measureCpuSharing();
    console.log(
      `vCPU check: ${JSON.stringify(info.cpuSharing)} of a core (alone; CPU 0 and 1 spinning together)`,
    );
  }
  const series = [];
  const jsonFile =
    flags.json ??
    path.join(cacheDir, 'results', `vxlan-ingest-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const results = {
    benchmark: 'vxlan-ingest',
    date: startedAt.toISOString(),
    machine: info,
    code: describeCode(repo),
    method: {
      trialSeconds: seconds,
      lossThresholdPercent: MAX_LOSS * 100,
      maxDrainMs: MAX_DRAIN_MS,
      generator: { burst: BURST, udpGsoSegments: BURST, vnis: VNIS, cpu: env.txCpu ?? 'any' },
      receiverCpu: env.rxCpu ?? 'any',
      outputDir: path.dirname(outDir),
    },
    series,
  };
  try {
    for (const size of sizes) {
      for (const tool of tools) {
        console.log(`\n${tool.label}, ${size} B inner frames (target ${searchFor(size).targetPps} pps):`);
        series.push(await findMaxRate(tool, size, searchFor(size), env, printTrial));
      }
    }
    results.durationSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
    saveResults(jsonFile, results); // before profiling: a failed profile must not lose the figures
    if (flags.profile) {
      results.profiles = await profileBrokers(
        tools.filter((t) => t.id.startsWith('broker')),
        env,
      );
      saveResults(jsonFile, results);
    }
  } finally {
    cleanUp();
  }
  printSummary(results);
  console.log(`\nresults: ${jsonFile}`);
}

function saveResults(file, results) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error) => {
  console.error(`vxlan-ingest: ${error.message}`);
  process.exitCode = 1;
});
