// Node overhead of tapping: iperf3 between two lab pods without and with kernel mirroring
// (clustertap tap running), as a ratio in one run, plus the agents' CPU and RSS while mirroring.
//   npm run build && npm run lab -- up && node test/bench/tap-overhead.js [--seconds 10] [--runs 3] [--transport vxlan|api]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    transport: { type: 'string', default: 'vxlan' },
  },
});
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const LAB = process.env.CLUSTERTAP_LAB_DIR ?? '/tmp/clustertap-lab';
const REPO = path.resolve(import.meta.dirname, '../..');
const state = JSON.parse(fs.readFileSync(path.join(LAB, 'state.json'), 'utf8'));
const pods = JSON.parse(fs.readFileSync(path.join(LAB, 'pods.json'), 'utf8'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

const web = pods.filter((p) => p.namespace === 'shop' && p.name.startsWith('web-'));
const cniOf = (p) => state.nodes.find((n) => n.name === p.node)?.cni;
const server = web.find((p) => cniOf(p) === 'flannel') ?? web[0];
const client = web.find((p) => p.node !== server.node) ?? web[1];
if (!server || !client) throw new Error('need two web pods on different nodes');

function iperf(seconds) {
  const out = execFileSync(
    'ip',
    ['netns', 'exec', client.netns, 'iperf3', '-c', server.ip, '-t', String(seconds), '-J'],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(out).end.sum_received.bits_per_second;
}

function agentPids() {
  const pids = [];
  for (const node of state.nodes)
    for (const pid of execFileSync('ip', ['netns', 'pids', node.netns], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean))
      try {
        if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('clustertap-agent.js'))
          pids.push(Number(pid));
      } catch {}
  return pids;
}

function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}
const rssMiB = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function withTap(fn) {
  const file = path.join(os.tmpdir(), `tap-overhead-${process.pid}.pcapng`);
  const tap = spawn(
    process.execPath,
    [
      path.join(REPO, 'bin/clustertap.js'),
      'tap',
      '--kubeconfig',
      state.kubeconfig,
      '--context',
      'lab',
      '--select-pod',
      `shop/${server.name}`,
      '--select-pod',
      `shop/${client.name}`,
      '--session',
      'bench1',
      '--transport',
      values.transport,
      '--agent-image',
      'ghcr.io/clustertap/clustertap-agent:0.1.0',
      '-w',
      file,
      '-q',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  tap.stderr.on('data', (d) => {
    err += d;
  });
  // -q silences progress; wait for the agents' mirrors instead.
  for (let i = 0; i < 300 && agentPids().length < 2; i++) await sleep(500);
  await sleep(3000);
  const pids = agentPids();
  const before = pids.map(cpuSeconds);
  const brokerBefore = cpuSeconds(tap.pid);
  const result = await fn();
  const agentCpu = pids.map((pid, i) => cpuSeconds(pid) - before[i]);
  const out = {
    ...result,
    agentCpuPct: agentCpu.map((s) => (100 * s) / SECONDS),
    agentRssMiB: pids.map(rssMiB),
    brokerCpuPct: (100 * (cpuSeconds(tap.pid) - brokerBefore)) / SECONDS,
  };
  tap.kill('SIGINT');
  await new Promise((r) => tap.on('close', r));
  out.capturedBytes = fs.existsSync(file) ? fs.statSync(file).size : 0;
  fs.rmSync(file, { force: true });
  if (tap.exitCode !== 0) console.error(err);
  return out;
}

const iperfServer = spawn('ip', ['netns', 'exec', server.netns, 'iperf3', '-s'], { stdio: 'ignore' });
await sleep(500);
try {
  console.log(
    `iperf3 ${client.node}/${client.name} → ${server.node}/${server.name} (${cniOf(client)} → ${cniOf(server)}), ${SECONDS} s × ${RUNS}, ${os.cpus().length} vCPUs, transport ${values.transport}`,
  );
  const rows = [];
  for (let run = 1; run <= RUNS; run++) {
    const plain = iperf(SECONDS);
    const tapped = await withTap(async () => ({ bps: iperf(SECONDS) }));
    rows.push({ run, plain, ...tapped });
    console.log(
      `run ${run}: without ${(plain / 1e9).toFixed(2)} Gbit/s, with tap (${values.transport}) ${(tapped.bps / 1e9).toFixed(2)} Gbit/s → ratio ${(tapped.bps / plain).toFixed(2)}; agents CPU ${tapped.agentCpuPct.map((c) => `${c.toFixed(1)}%`).join(', ')}, RSS ${tapped.agentRssMiB.map((m) => `${m.toFixed(0)} MiB`).join(', ')}; broker CPU ${tapped.brokerCpuPct.toFixed(0)}%, ${(tapped.capturedBytes / 1e6).toFixed(0)} MB captured`,
    );
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`median ratio (with/without): ${median(rows.map((r) => r.bps / r.plain)).toFixed(2)}`);
} finally {
  iperfServer.kill();
}
