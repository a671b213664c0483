// The peers the UI benchmark compares against, measured in the same run:
// - tshark holding the same capture (two-pass read keeps every packet's frame data, as
//   Wireshark's GUI does when it opens a file): its peak RSS and time, from GNU time;
// - the naive page: a static <table> of the capture's first N rows, every row in the DOM, with
//   the same columns and Wireshark colours, scrolled like the app.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  cdpMetrics,
  heapAfterGc,
  installProbe,
  measure,
  metricsDelta,
  processMemory,
  rendererPid,
} from './ui-page.js';

/** `tshark -r FILE -2 -Y 'frame.number==1'` under GNU time: peak RSS (bytes), wall seconds, CPU seconds. */
export function tsharkHolding(file) {
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/time',
      ['-v', 'tshark', '-r', file, '-2', '-Y', 'frame.number==1'],
      { maxBuffer: 1 << 24 },
      (error, _stdout, stderr) => {
        const field = (name) => new RegExp(`${name}: (.+)`).exec(stderr)?.[1]?.trim();
        const peakKb = Number(field('Maximum resident set size \\(kbytes\\)'));
        if (error || !peakKb)
          return reject(new Error(`tshark failed: ${error?.message}\n${stderr.slice(-500)}`));
        const wall = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)') ?? '0:0';
        const seconds = wall.split(':').reduce((s, part) => s * 60 + Number(part), 0);
        const cpu = Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)'));
        resolve({ peakRss: peakKb * 1024, seconds, cpuSeconds: cpu, version: tsharkVersion() });
      },
    );
  });
}

function tsharkVersion() {
  try {
    return execFileSync('tshark', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).split('\n')[0];
  } catch {
    return null;
  }
}

const escapeHtml = (text) =>
  String(text).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);

/** A static page: one <tr> per row, columns and colours as the app shows them. */
export function writeNaiveTable(rows, file) {
  const head = [
    'No.',
    'Time',
    'Node',
    'Namespace/Pod',
    'Source',
    'Destination',
    'Protocol',
    'Length',
    'Info',
  ];
  const lines = [
    '<!doctype html><html><head><meta charset="utf-8"><title>naive table</title><style>',
    'body{margin:0;font:12px system-ui,sans-serif} table{border-collapse:collapse;width:100%}',
    'td,th{padding:0 6px;height:20px;white-space:nowrap;text-align:left} td:first-child,td:nth-child(2),td:nth-child(8){text-align:right}',
    '</style></head><body><table><thead><tr>',
    ...head.map((h) => `<th>${h}</th>`),
    '</tr></thead><tbody>',
  ];
  for (const r of rows) {
    const style = r.colour ? ` style="background:${r.colour.background};color:${r.colour.foreground}"` : '';
    const pod = r.pod ? `${r.namespace}/${r.pod} ${r.direction === 'egress' ? '→' : '←'}` : r.interfaceName;
    const cells = [
      r.number,
      r.time.toFixed(6),
      r.node,
      pod,
      r.source,
      r.destination,
      r.protocol,
      r.length,
      r.info,
    ];
    lines.push(`<tr${style}>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`);
  }
  lines.push('</tbody></table></body></html>');
  fs.writeFileSync(file, lines.join('\n'));
  return fs.statSync(file).size;
}

/**
 * Opens the naive table of `rows` in its own browser and measures what the app's scroll scenario
 * measures: time to the first frame after load, memory, and frames while wheel-scrolling.
 */
export async function naiveTable({ launch, viewport, rows, wheel }) {
  const file = path.join(os.tmpdir(), `ui-bench-naive-${process.pid}-${rows.length}.html`);
  const bytes = writeNaiveTable(rows, file);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const started = performance.now();
    await page.goto(`file://${file}`, { waitUntil: 'load', timeout: 600_000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const loadSeconds = (performance.now() - started) / 1000;
    await installProbe(page, true);
    const { pid } = await rendererPid(browser);
    const loaded = { ...(await heapAfterGc(page, cdp)), memory: processMemory(pid) };
    await page.mouse.move(viewport.width / 2, viewport.height / 2);
    const before = await cdpMetrics(cdp);
    const scrolled = await measure(page, () => wheel(cdp));
    const scrolledTo = await page.evaluate(() => document.scrollingElement.scrollTop);
    return {
      rows: rows.length,
      htmlBytes: bytes,
      loadSeconds,
      loaded,
      wheel: {
        events: scrolled.value,
        seconds: scrolled.seconds,
        frames: scrolled.frames,
        rowsMoved: scrolledTo / 20,
        cdp: metricsDelta(before, await cdpMetrics(cdp), scrolled.seconds),
      },
      after: processMemory(pid),
    };
  } finally {
    await browser.close();
    fs.rmSync(file, { force: true });
  }
}
