// The UI benchmark's two scenarios, each against a fresh `clustertap serve` and a fresh Chromium:
// ingest (the live list following 100k packets/s of VXLAN into the app's own broker) and scroll
// (a 1M-packet pcapng opened through the UI, wheel, PageDown bursts, jumps to the end and middle).
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { sleep } from './proc.js';
import {
  cdpMetrics,
  cpuNow,
  cpuShares,
  heapAfterGc,
  installProbe,
  loadAverage,
  measure,
  metricsDelta,
  processMemory,
  rendererPid,
} from './ui-page.js';

export const VIEWPORT = { width: 1600, height: 1000 };
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-precise-memory-info',
];

export const launchBrowser = () =>
  chromium.launch({
    executablePath: process.env.CLUSTERTAP_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });

/** `clustertap serve` on a free port, serving the UI from `uiDir`; resolves once it printed its URL. */
export async function startServe({ repo, kubeconfig, vxlanPort, uiDir }) {
  const configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-bench-config-'));
  const argv = [path.join(repo, 'bin/clustertap.js'), 'serve', '--port', '0', '--kubeconfig', kubeconfig];
  argv.push('--vxlan-port', String(vxlanPort), '--max-upload', '8192');
  const child = spawn(process.execPath, argv, {
    cwd: repo,
    env: { ...process.env, XDG_CONFIG_HOME: configHome, CLUSTERTAP_UI_DIR: uiDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 30 s:\n${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = /^(http:\/\/\S+)$/m.exec(stdout);
      if (line) {
        clearTimeout(timer);
        resolve(line[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}):\n${stderr}`)));
  });
  return {
    url,
    pid: child.pid,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(kill);
      fs.rmSync(configHome, { recursive: true, force: true });
    },
  };
}

/** The contract over serve's /api WebSocket, from Node (the page is left alone); throws on errors. */
export async function coreClient(repo, url) {
  const { createClient } = await import(path.join(repo, 'dist/main/ipc/client.js'));
  const { webSocketTransport } = await import(path.join(repo, 'dist/main/ipc/websocket-transport.js'));
  const transport = webSocketTransport({
    url: new URL('/api', url).href.replace(/^http/, 'ws'),
    create: (u) => new WebSocket(u),
  });
  const api = createClient(transport, { timeoutMs: 600_000 });
  const call = async (channel, payload = {}) => {
    const result = await api.request(channel, payload);
    if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
    return result.value;
  };
  return {
    call,
    subscribe: api.subscribe,
    close: () => {
      api.close();
      transport.close();
    },
  };
}

export function freeUdpPort() {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Opens the UI in its own browser and waits until it is connected to the core. */
async function openUi(url) {
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: VIEWPORT });
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  await page.goto(url);
  await page.locator('[data-testid="connection-state"][data-state="open"]').waitFor({ timeout: 30_000 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await installProbe(page);
  return { browser, page, cdp, problems };
}

/** The page's renderer and Chromium's other processes (browser, GPU, network…), for /proc readings. */
async function chromiumPids(browser) {
  const { pid, all } = await rendererPid(browser);
  return { renderer: pid, others: all.filter((p) => p.pid !== pid).map((p) => p.pid) };
}

function cpuReading(pids, corePid) {
  const reading = cpuNow({ core: corePid, renderer: pids.renderer });
  const others = cpuNow(Object.fromEntries(pids.others.map((p) => [p, p])));
  reading.per.chromiumOther = Object.values(others.per).reduce((s, v) => s + (Number.isNaN(v) ? 0 : v), 0);
  return reading;
}

/**
 * Ingest: the core listens for VXLAN (tap.listen, what the app does for a kept session or a TAP),
 * vxlan-gen sends `rate` packets/s for `seconds` while the list follows the tail; then the list at
 * rest for 5 s, as the reference the same page reaches when nothing arrives.
 */
export async function ingestScenario({ repo, kubeconfig, uiDir, generator, rate, seconds, size, vnis }) {
  const vxlanPort = await freeUdpPort();
  const serve = await startServe({ repo, kubeconfig, vxlanPort, uiDir });
  const core = await coreClient(repo, serve.url);
  const ui = await openUi(serve.url);
  try {
    let counters = null;
    const stopCounters = core.subscribe('counters.changed', (c) => {
      counters = c;
    });
    await core.call('tap.listen', { port: vxlanPort });
    await ui.page.getByRole('grid', { name: 'Packets' }).focus();
    await sleep(1000);
    const pids = await chromiumPids(ui.browser);
    const start = {
      heap: await heapAfterGc(ui.page, ui.cdp),
      renderer: processMemory(pids.renderer),
      core: processMemory(serve.pid),
      load: loadAverage(),
    };
    const cdpBefore = await cdpMetrics(ui.cdp);
    const cpuBefore = cpuReading(pids, serve.pid);
    const samples = [];
    const rowsLatency = [];
    const run = await measure(ui.page, async () => {
      // Bursts of 64 sent as UDP GSO (16 datagrams a send; the receiver still gets single datagrams):
      // the generator's own CPU, which shares the 2 cores with everything measured, stays small.
      const args = ['-d', '127.0.0.1', '-p', String(vxlanPort), '-r', String(rate), '-t', String(seconds)];
      const gen = spawn(generator, [...args, '-s', String(size), '-v', vnis, '-b', '64', '-g', '16']);
      let out = '';
      gen.stdout.on('data', (d) => {
        out += d;
      });
      const done = new Promise((resolve) => gen.once('exit', resolve));
      // Once a second: memory; and how long the core takes to answer packets.rows for the tail
      // (what the list asks for while following), as a client beside the page sees it.
      while (gen.exitCode === null) {
        samples.push({ renderer: processMemory(pids.renderer), core: processMemory(serve.pid) });
        const { count } = await core.call('packets.stats');
        const asked = performance.now();
        await core.call('packets.rows', { start: Math.max(0, count - 100), count: 100 });
        rowsLatency.push(performance.now() - asked);
        await Promise.race([sleep(1000), done]);
      }
      return JSON.parse(out);
    });
    const cpu = cpuShares(cpuBefore, cpuReading(pids, serve.pid));
    const cdpAfter = await cdpMetrics(ui.cdp);
    const sent = run.value;
    // Let the core drain its socket and the UI hear the last packets.changed.
    let stats = await core.call('packets.stats');
    for (let i = 0; i < 20; i++) {
      await sleep(250);
      const next = await core.call('packets.stats');
      if (next.count === stats.count) break;
      stats = next;
    }
    const rest = await measure(ui.page, () => sleep(5000));
    const end = {
      heap: await heapAfterGc(ui.page, ui.cdp),
      renderer: processMemory(pids.renderer),
      core: processMemory(serve.pid),
      load: loadAverage(),
      rowsInDom: await ui.page.locator('.packet-layer .packet-row').count(),
    };
    stopCounters();
    await core.call('tap.stop', {});
    const stage = (name) => counters?.stages.find((s) => s.name === name)?.packets ?? null;
    return {
      generator: sent,
      stored: stats.count,
      kernelDrops: stage('kernel drops (receive buffer)'),
      notStored: stage('not stored (store full or disk behind)'),
      frames: run.frames,
      seconds: run.seconds,
      tail: tailSummary(run.tail),
      rowsLatencyMs: rowsLatency,
      cdp: metricsDelta(cdpBefore, cdpAfter, run.seconds),
      cpu,
      start,
      end,
      peakDuring: {
        rendererRss: Math.max(...samples.map((s) => s.renderer.rss)),
        rendererAnon: Math.max(...samples.map((s) => s.renderer.anon)),
        coreRss: Math.max(...samples.map((s) => s.core.rss)),
      },
      rest: rest.frames,
      pageProblems: ui.problems,
    };
  } finally {
    await ui.browser.close();
    core.close();
    await serve.stop();
  }
}

/** Did the list follow? The last row shown at the first and last samples, and how far behind the UI's count it was. */
function tailSummary(tail) {
  const withRows = tail.filter((t) => t.last > 0);
  const lags = withRows.map((t) => t.displayed - t.last).sort((a, b) => a - b);
  const first = withRows[0];
  const last = withRows.at(-1);
  const grew = withRows.filter((t, i) => i > 0 && t.last > withRows[i - 1].last).length;
  return {
    samples: tail.length,
    firstShown: first?.last ?? 0,
    lastShown: last?.last ?? 0,
    rowsPerSecond: first && last ? (last.last - first.last) / ((last.at - first.at) / 1000) : 0,
    samplesThatGrew: grew,
    lagMedian: lags[Math.floor(lags.length / 2)] ?? null,
    lagMax: lags.at(-1) ?? null,
  };
}

/**
 * Wheel events of `delta` px at `x`,`y`, 60 a second for `seconds`, sent through CDP without
 * waiting for each to be handled (a hand on a wheel or trackpad does not wait for the page either;
 * Chromium coalesces what queues up). Resolves with the number sent.
 */
export async function wheel(cdp, { x, y }, seconds, delta = 100) {
  const end = performance.now() + seconds * 1000;
  const sends = [];
  for (let next = performance.now(); performance.now() < end; next += 1000 / 60) {
    sends.push(cdp.send('Input.dispatchMouseEvent', { type: 'mouseWheel', x, y, deltaX: 0, deltaY: delta }));
    const wait = next + 1000 / 60 - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(sends);
  return sends.length;
}

/** Arms the "rows painted" watch, runs `keys`, and resolves with the time from the last key to the painted frame. */
async function jump(page, spec, keys) {
  await page.evaluate(({ spec }) => window.__uiBench.arm(spec, 60_000), { spec });
  await keys();
  return page.evaluate(() => window.__uiBench.painted());
}

async function goTo(page, number) {
  await page.keyboard.press('Control+g');
  const input = page.getByRole('spinbutton', { name: 'Packet number' });
  await input.fill(String(number));
  return jump(page, { number }, () => input.press('Enter'));
}

/**
 * Scroll: the capture opened through the UI's own Open… (upload, capture.open), then from the top
 * wheel scrolling, PageDown bursts (each press moves the selection a page and loads its detail),
 * End, and Go to packet (Ctrl+G) to the middle and the quarters.
 */
export async function scrollScenario({ repo, kubeconfig, uiDir, capture, packets, wheelSeconds, naiveRows }) {
  const serve = await startServe({ repo, kubeconfig, vxlanPort: await freeUdpPort(), uiDir });
  const core = await coreClient(repo, serve.url);
  const ui = await openUi(serve.url);
  const { page, cdp } = ui;
  const grid = page.getByRole('grid', { name: 'Packets' });
  try {
    const load = loadAverage();
    const openedAt = performance.now();
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Open…' }).click(),
    ]);
    await chooser.setFiles(capture);
    const total = packets.toLocaleString('en');
    await page
      .getByTestId('packet-counts')
      .filter({ hasText: `Packets ${total}` })
      .waitFor({ timeout: 900_000 });
    while (/Uploading|Opening/.test((await page.locator('.status-bar').textContent()) ?? '')) await sleep(50);
    const openSeconds = (performance.now() - openedAt) / 1000;
    await grid.focus();
    const home = await jump(page, { number: 1 }, () => page.keyboard.press('Home'));
    const pids = await chromiumPids(ui.browser);
    const opened = {
      heap: await heapAfterGc(page, cdp),
      renderer: processMemory(pids.renderer),
      core: processMemory(serve.pid),
    };

    const phase = async (action) => {
      const before = await cdpMetrics(cdp);
      const cpuBefore = cpuReading(pids, serve.pid);
      const shownBefore = await page.evaluate(() => window.__uiBench.shown());
      const r = await measure(page, action);
      const shownAfter = await page.evaluate(() => window.__uiBench.shown());
      return {
        ...r,
        cdp: metricsDelta(before, await cdpMetrics(cdp), r.seconds),
        cpu: cpuShares(cpuBefore, cpuReading(pids, serve.pid)),
        rowsMoved: (shownAfter.numbers[0] ?? 0) - (shownBefore.numbers[0] ?? 0),
        renderer: processMemory(pids.renderer),
      };
    };
    const box = await page.locator('.packet-viewport').boundingBox();
    const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    await page.mouse.move(centre.x, centre.y);
    const wheeling = await phase(() => wheel(cdp, centre, wheelSeconds));
    await sleep(500);
    // PageDown moves the selection: start it at the top row in view.
    await page.locator('.packet-layer .packet-row').first().click();
    const paging = await phase(async () => {
      const settle = [];
      for (let burst = 0; burst < 5; burst++) {
        settle.push(
          await jump(page, { selected: true }, async () => {
            for (let i = 0; i < 20; i++) {
              await page.keyboard.press('PageDown');
              await sleep(33);
            }
          }),
        );
        await sleep(500);
      }
      return settle;
    });
    await grid.focus();
    const jumps = await phase(async () => {
      const times = {};
      times.end = await jump(page, { tail: true }, () => page.keyboard.press('End'));
      // As a drag of the scrollbar's thumb does (headless Chromium draws no scrollbars to drag).
      times['scrollbar 40 %'] = await jump(page, { near: Math.floor(packets * 0.4) }, () =>
        page.evaluate(() => window.__uiBench.scrollTo(0.4)),
      );
      for (const n of [
        Math.floor(packets / 2),
        Math.floor(packets / 4) + 1,
        Math.floor((packets * 3) / 4) + 1,
      ])
        times[`goto ${n}`] = await goTo(page, n);
      return times;
    });
    const after = {
      heap: await heapAfterGc(page, cdp),
      renderer: processMemory(pids.renderer),
      core: processMemory(serve.pid),
      rowsInDom: await page.locator('.packet-layer .packet-row').count(),
      load: loadAverage(),
    };
    // The naive page shows the same rows: the capture's first naiveRows, as packets.rows gives them.
    const rows = [];
    while (rows.length < naiveRows) {
      const { rows: chunk } = await core.call('packets.rows', {
        start: rows.length,
        count: Math.min(2000, naiveRows - rows.length),
      });
      if (chunk.length === 0) break;
      rows.push(...chunk);
    }
    return {
      packets,
      openSeconds,
      home,
      opened,
      wheel: wheeling,
      paging,
      jumps,
      after,
      load,
      rows,
      pageProblems: ui.problems,
    };
  } finally {
    await ui.browser.close();
    core.close();
    await serve.stop();
  }
}
