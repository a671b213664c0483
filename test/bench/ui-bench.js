#!/usr/bin/env node
// UI benchmark: frame times and memory of the ClusterTap UI in Chromium (clustertap serve + Debian's
// Chromium through playwright-core), in two scenarios, each run against a fresh core and browser:
//
//   ingest  the core receives VXLAN (tap.listen) from vxlan-gen at --rate packets/s for --seconds
//           while the live list follows the tail; then 5 s at rest on the same page (reference).
//   scroll  a --packets pcapng (written once with the core's PcapngWriter, cached) opened through
//           the UI's own Open… (upload + capture.open); --wheel-seconds of wheel scrolling,
//           PageDown bursts, End, a scrollbar jump and Go to packet (Ctrl+G) to the middle.
//
// Peers, in the same run: tshark holding the same file (two-pass read, GNU time's peak RSS), and
// a naive static <table> page of the file's first 10k and --naive-rows rows scrolled the same way.
//
//   npm run build && node test/bench/ui-bench.js [--runs 3] [--json FILE]
//
// Needs: a built tree (dist/main, dist/renderer), /usr/bin/chromium, tshark, GNU time, gcc. No
// root. Prints one table per scenario (a column per run, then the median and range) and ratios.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { captureFile } from './ui-capture.js';
import { naiveTable, tsharkHolding } from './ui-peers.js';
import { printReport, summarize } from './ui-report.js';
import { ingestScenario, launchBrowser, scrollScenario, VIEWPORT, wheel } from './ui-scenarios.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const CACHE = path.join(os.homedir(), '.cache/clustertap/bench');

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    rate: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '20' },
    size: { type: 'string', default: '128' },
    packets: { type: 'string', default: '1000000' },
    'wheel-seconds': { type: 'string', default: '10' },
    'naive-rows': { type: 'string', default: '100000' },
    kubeconfig: { type: 'string' },
    only: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(
    'usage: node test/bench/ui-bench.js [--runs N] [--rate PPS] [--seconds S] [--size BYTES] [--packets N]\n' +
      '         [--wheel-seconds S] [--naive-rows N] [--kubeconfig FILE] [--only ingest|scroll] [--json FILE]\n',
  );
  process.exit(0);
}
const num = (name) => Number(flags[name]);
const say = (line) => process.stderr.write(`ui-bench: ${line}\n`);

function prerequisites() {
  for (const file of ['dist/main/cli/main.js', 'dist/renderer/app.js'])
    if (!fs.existsSync(path.join(REPO, file))) throw new Error(`${file} is missing: run \`npm run build\``);
  for (const tool of ['/usr/bin/chromium', '/usr/bin/time'])
    if (!fs.existsSync(tool)) throw new Error(`${tool} is missing`);
  execFileSync('tshark', ['--version'], { stdio: 'ignore' });
}

/** vxlan-gen, compiled into the cache (as vxlan-ingest.js does) when its source changed. */
function generatorBinary() {
  const source = path.join(import.meta.dirname, 'vxlan-gen.c');
  const binary = path.join(CACHE, 'vxlan-gen');
  fs.mkdirSync(CACHE, { recursive: true });
  if (!fs.existsSync(binary) || fs.statSync(binary).mtimeMs < fs.statSync(source).mtimeMs)
    execFileSync('gcc', ['-O2', '-Wall', '-o', binary, source], { stdio: 'inherit' });
  return binary;
}

/**
 * A copy of dist/renderer for this run, served with CLUSTERTAP_UI_DIR: other engineers rebuild
 * dist/renderer in the same checkout, and every run should measure the same bundle.
 */
function snapshotRenderer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-bench-renderer-'));
  fs.cpSync(path.join(REPO, 'dist/renderer'), dir, { recursive: true });
  const hash = createHash('sha256')
    .update(fs.readFileSync(path.join(dir, 'app.js')))
    .digest('hex');
  return { dir, appJsSha256: hash.slice(0, 16) };
}

function describe(bundle) {
  const git = (...args) => execFileSync('git', ['-C', REPO, ...args], { encoding: 'utf8' }).trim();
  const chromium = execFileSync('/usr/bin/chromium', ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return {
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommitted: {
      main: git('status', '--porcelain', '--', 'main') !== '',
      renderer: git('status', '--porcelain', '--', 'renderer') !== '',
    },
    bundle: bundle.appJsSha256,
    chromium: chromium.trim(),
    node: process.version,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model}`,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    kernel: os.release(),
  };
}

function defaultKubeconfig() {
  const lab = '/tmp/clustertap-lab/kubeconfig';
  if (fs.existsSync(lab)) return lab;
  // Any kubeconfig does: the scenarios never reach a cluster. An unreachable one keeps the core quiet.
  const file = path.join(os.tmpdir(), 'ui-bench-kubeconfig.yaml');
  fs.writeFileSync(
    file,
    'apiVersion: v1\nkind: Config\ncurrent-context: bench\nclusters: [{name: bench, cluster: {server: "https://127.0.0.1:1"}}]\n' +
      'users: [{name: bench, user: {token: none}}]\ncontexts: [{name: bench, context: {cluster: bench, user: bench}}]\n',
  );
  return file;
}

async function oneRun(run, env) {
  const result = { run, startedAt: new Date().toISOString() };
  if (flags.only !== 'scroll') {
    say(`run ${run}: ingest, ${num('rate')} packets/s for ${num('seconds')} s…`);
    result.ingest = await ingestScenario({
      ...env,
      rate: num('rate'),
      seconds: num('seconds'),
      size: num('size'),
      vnis: '100,101,102,103,104,105,106,107',
    });
  }
  if (flags.only !== 'ingest') {
    say(`run ${run}: scroll, ${num('packets')} packets…`);
    const scroll = await scrollScenario({
      ...env,
      packets: num('packets'),
      wheelSeconds: num('wheel-seconds'),
      naiveRows: num('naive-rows'),
    });
    const { rows, ...rest } = scroll;
    result.scroll = rest;
    say(`run ${run}: tshark -2 on the same file…`);
    result.tshark = await tsharkHolding(env.capture);
    result.naive = [];
    for (const n of [Math.min(10_000, rows.length), rows.length]) {
      say(`run ${run}: naive table of ${n} rows…`);
      result.naive.push(
        await naiveTable({
          launch: launchBrowser,
          viewport: VIEWPORT,
          rows: rows.slice(0, n),
          wheel: (cdp) => wheel(cdp, { x: VIEWPORT.width / 2, y: VIEWPORT.height / 2 }, num('wheel-seconds')),
        }),
      );
    }
  }
  const problems = [...(result.ingest?.pageProblems ?? []), ...(result.scroll?.pageProblems ?? [])];
  if (problems.length)
    say(`run ${run}: the page reported ${problems.length} error(s): ${problems.slice(0, 3).join(' | ')}`);
  return result;
}

async function main() {
  prerequisites();
  const bundle = snapshotRenderer();
  const env = {
    repo: REPO,
    kubeconfig: flags.kubeconfig ?? defaultKubeconfig(),
    uiDir: bundle.dir,
    generator: generatorBinary(),
    capture: flags.only === 'ingest' ? null : await captureFile(REPO, CACHE, num('packets')),
  };
  const setup = { ...describe(bundle), command: process.argv.slice(2).join(' '), flags };
  const runs = [];
  const json =
    flags.json ??
    path.join(CACHE, 'results', `ui-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  try {
    for (let run = 1; run <= num('runs'); run++) {
      runs.push(await oneRun(run, env));
      // Written after every run, so a failure later keeps what was measured.
      fs.mkdirSync(path.dirname(json), { recursive: true });
      fs.writeFileSync(json, `${JSON.stringify({ setup, summary: summarize(runs), runs }, null, 2)}\n`);
    }
  } finally {
    fs.rmSync(bundle.dir, { recursive: true, force: true });
  }
  printReport(setup, summarize(runs));
  say(`results: ${json}`);
}

main().catch((error) => {
  process.stderr.write(`ui-bench: ${error.stack ?? error}\n`);
  process.exit(1);
});
