// Sums a V8 .cpuprofile (node --cpu-prof) into where the broker's time goes: Node's per-datagram
// delivery, our decode, our pcapng writing, GC, start-up.
//
// Usage: node cpu-profile.js FILE.cpuprofile   (also used by vxlan-ingest.js --profile)
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Each sample is charged to the innermost frame on its stack that one of these rules claims, so
 * e.g. Buffer#writeUInt32LE called by our pcapng encoder counts as pcapng writing.
 */
const PHASES = [
  [
    'pcapng writing (encode EPBs + file output)',
    (f) => /\/dist\/main\/capture\/pcapng-|^node:(internal\/fs|internal\/streams|fs$)/.test(f.url),
  ],
  ['timestamps (nowMicros)', (f) => /\/dist\/main\/capture\/timestamp/.test(f.url)],
  ['decode + dispatch (listener, session, broker, interfaces)', (f) => /\/dist\/main\/broker\//.test(f.url)],
  ['Node dgram delivery in JS (onMessage, emit)', (f) => /^node:(dgram|events)$/.test(f.url)],
  [
    'start-up (module loading, CLI)',
    (f) => /\/dist\/main\/cli\/|^node:internal\/(modules|bootstrap|main)/.test(f.url),
  ],
];
/** Samples with no JavaScript on the stack at all (a Map: a function may be called "constructor"). */
const LEAVES = new Map([
  ['(idle)', 'idle (waiting in epoll)'],
  ['(garbage collector)', 'garbage collection'],
  // Below JS: system calls, libuv, Node's C++ (with dgram: UDPWrap::OnRecv making a Buffer and an
  // rinfo object per datagram), a native addon, V8 entering JS.
  ['(program)', 'native: syscalls, libuv, Node C++ / addon, JS entry'],
]);
const IDLE = LEAVES.get('(idle)');
const STARTUP = PHASES[4][0];

function phaseOf(node, parentOf) {
  const leaf = LEAVES.get(node.callFrame.functionName);
  if (leaf) return leaf;
  for (let at = node; at; at = parentOf.get(at.id)) {
    const phase = PHASES.find(([, claims]) => claims(at.callFrame));
    if (phase) return phase[0];
  }
  return 'other';
}

/** Time each sample stands for: timeDeltas[i + 1] is the gap from sample i to the next. */
function selfMicros(profile) {
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  return self;
}

export function summarizeCpuProfile(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const phases = new Map();
  const functions = new Map();
  let totalUs = 0;
  for (const [id, us] of selfMicros(profile)) {
    const node = byId.get(id);
    const phase = phaseOf(node, parentOf);
    phases.set(phase, (phases.get(phase) ?? 0) + us);
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    totalUs += us;
  }
  const idleUs = phases.get(IDLE) ?? 0;
  const startupUs = phases.get(STARTUP) ?? 0;
  // Shares are of the main thread's busy time once started: the per-packet work.
  const busyUs = totalUs - idleUs - startupUs;
  const share = (us) => Number(((100 * us) / busyUs).toFixed(1));
  const ranked = (map) =>
    [...map]
      .filter(([name]) => name !== IDLE && name !== STARTUP && !name.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, seconds: Number((us / 1e6).toFixed(3)), percent: share(us) }));
  return {
    profiledSeconds: Number((totalUs / 1e6).toFixed(2)),
    busySeconds: Number((busyUs / 1e6).toFixed(2)),
    startupSeconds: Number((startupUs / 1e6).toFixed(2)),
    phases: ranked(phases),
    topFunctions: ranked(functions).slice(0, 15),
  };
}

function shortUrl(url) {
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 1) : url || '(native)';
}

export function formatCpuProfile(summary) {
  const lines = [
    `main thread busy ${summary.busySeconds} s of ${summary.profiledSeconds} s profiled ` +
      `(and ${summary.startupSeconds} s starting up); share of busy time:`,
  ];
  for (const p of summary.phases) lines.push(`  ${String(p.percent).padStart(5)} %  ${p.name}`);
  lines.push('  top functions (self time):');
  for (const f of summary.topFunctions.slice(0, 10))
    lines.push(`  ${String(f.percent).padStart(5)} %  ${f.name}`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const summary = summarizeCpuProfile(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')));
  console.log(formatCpuProfile(summary));
}
