// What the benchmark prints: one line per trial while it runs, a table and ratios at the end.

const kpps = (pps) => `${(pps / 1000).toFixed(1)} kpps`;
const mib = (bytes) => `${Math.round(bytes / 2 ** 20)} MiB`;
const pad = (text, width) => String(text).padEnd(width);

export function printTrial(t) {
  const drain = t.drainMs === null ? '' : `, drain ${t.drainMs >= 3000 ? '>3000' : t.drainMs} ms`;
  const limited = t.generatorLimited ? ' (generator limit)' : '';
  console.log(
    `  ${kpps(t.requestedPps).padStart(11)} asked, ${kpps(t.offeredPps).padStart(11)} offered${limited}: ` +
      `${t.captured} of ${t.offered} kept, loss ${t.lossPercent} %${drain}, kernel drops ${t.kernelDrops}, ` +
      `CPU ${t.cpuPercent} % (user ${t.cpuUserPercent}, sys ${t.cpuSystemPercent}) = ${t.cpuMicrosPerPacket} µs/packet, ` +
      `peak RSS ${mib(t.peakRssBytes)} → ${t.pass ? 'pass' : 'FAIL'}`,
  );
}

/** The broker's receive path, where its statistics name it: "clustertap capture (recvmmsg)". */
function receiverText(s) {
  const path = /\(([^)]+)\)$/.exec(s.listener ?? '')?.[1];
  return path && !s.label.includes(path) ? `${s.label} (${path})` : s.label;
}

function targetText(s) {
  if (s.probe) return '';
  const verdict = s.meetsTarget === null ? 'not offered (generator)' : s.meetsTarget ? 'yes' : 'NO';
  return `${kpps(s.targetPps)}: ${verdict}`;
}

/** "≥" where the receiver was never made to fail, "<" where it never passed. */
function maxRateText(s) {
  if (s.bound === 'none-passed')
    return `< ${kpps(s.trials.reduce((m, t) => Math.min(m, t.offeredPps), Number.POSITIVE_INFINITY))}`;
  const prefix = s.bound === 'receiver' ? '' : '≥ ';
  return `${prefix}${kpps(s.maxLosslessPps)} (${s.maxLosslessInnerGbps.toFixed(2)} Gbit/s)`;
}

function ratioText(broker, peer) {
  if (!broker || !peer || broker.maxLosslessPps === 0 || peer.maxLosslessPps === 0)
    return 'n/a (no passing rate)';
  const ratio = (broker.maxLosslessPps / peer.maxLosslessPps).toFixed(2);
  const exact = (s) => s.bound === 'receiver';
  // A maximum that is only a lower bound (the receiver never failed) bounds the ratio one way.
  if (exact(broker) && exact(peer)) return ratio;
  if (exact(broker)) return `≤ ${ratio}`;
  if (exact(peer)) return `≥ ${ratio}`;
  return `unknown: neither was pushed to its limit (${ratio} at the highest rates tried)`;
}

const COLUMNS = [
  ['inner', 7, (s) => `${s.size} B`],
  ['receiver', 32, receiverText],
  ['max lossless rate', 30, maxRateText],
  ['fails at', 12, (s) => (s.lowestFailingPps ? kpps(s.lowestFailingPps) : '-')],
  ['limited by', 12, (s) => s.bound],
  [
    'CPU (user/sys)',
    17,
    (s) =>
      s.atMax ? `${s.atMax.cpuPercent} % (${s.atMax.cpuUserPercent}/${s.atMax.cpuSystemPercent})` : '-',
  ],
  ['µs/packet', 11, (s) => (s.atMax ? String(s.atMax.cpuMicrosPerPacket) : '-')],
  ['peak RSS', 10, (s) => mib(s.peakRssBytes)],
  ['target', 0, targetText],
];

export function printSummary(results) {
  const { machine, method } = results;
  console.log(`\nVXLAN ingest, ${results.date}, ${machine.cpus} × ${machine.cpuModel}, ${machine.kernel}`);
  console.log(
    `highest offered rate with < ${method.lossThresholdPercent} % loss (and receive queue drained ` +
      `in ≤ ${method.maxDrainMs} ms), ${method.trialSeconds} s trials; CPU and µs/packet at that rate:\n`,
  );
  const header = COLUMNS.map(([name, width]) => pad(name, width)).join('');
  console.log(header);
  console.log('-'.repeat(header.length + 12));
  for (const s of results.series) console.log(COLUMNS.map(([, width, cell]) => pad(cell(s), width)).join(''));
  console.log('');
  if (machine.cpuSharing)
    console.log(
      `vCPU check: a spinning process runs ${machine.cpuSharing.alone} of the time alone, ` +
        `${machine.cpuSharing.together.join(' and ')} with both vCPUs spinning (two real cores: ~1.0 and ~1.0)`,
    );
  for (const size of new Set(results.series.map((s) => s.size))) {
    const find = (tool) => results.series.find((s) => s.size === size && s.tool === tool);
    for (const broker of ['broker', 'broker-policy', 'broker-all', 'broker-dgram'].map(find).filter(Boolean))
      console.log(`${size} B: ${receiverText(broker)} / tcpdump = ${ratioText(broker, find('tcpdump'))}`);
  }
}
