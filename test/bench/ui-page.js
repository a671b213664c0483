// What the UI benchmark measures inside Chromium: frame intervals (requestAnimationFrame), long
// tasks, visible rows still waiting for their data, the tail of the live list, "jump → rows
// painted" times; and around the page: CDP Performance metrics, the renderer's and other
// processes' memory and CPU from /proc.
import fs from 'node:fs';
import { cpuSeconds } from './proc.js';

/**
 * Runs in the page (page.evaluate): a rAF loop that always runs, recording only between start()
 * and stop(). Each frame it notes the interval since the previous one and, once the frame is
 * rendered, whether any visible packet row was still a placeholder (its page not fetched yet); a
 * 250 ms timer notes the list's last shown row and the count the UI knows. arm()/painted() time
 * how long after the last key press a rendered frame shows the rows asked for.
 */
function pageProbe() {
  const b = {
    recording: false,
    gaps: [],
    placeholderFrames: 0,
    placeholderRows: 0,
    episodes: [],
    episodeFrom: null,
    longTasks: [],
    tail: [],
    lastFrame: 0,
    lastKey: null,
    waiting: null,
  };
  window.__uiBench = b;
  const layer = () => document.querySelector('.packet-layer');
  const numbers = () => {
    const cells = document.querySelectorAll('.packet-layer .packet-row:not(.loading) .cell:first-child');
    return [...cells].map((c) => Number(c.textContent));
  };
  const counts = () => {
    const m = /Displayed ([\d,]+)/.exec(
      document.querySelector('[data-testid="packet-counts"]')?.textContent ?? '',
    );
    return m ? Number(m[1].replaceAll(',', '')) : 0;
  };
  new PerformanceObserver((list) => {
    if (b.recording) for (const e of list.getEntries()) b.longTasks.push(e.duration);
  }).observe({ type: 'longtask' });
  window.addEventListener('keydown', (e) => (b.lastKey = { key: e.key, at: e.timeStamp }), true);
  // After each frame's rendering (a task posted from rAF runs once style, layout and paint of
  // that frame are done): what the frame showed. Checked in rAF itself it would miss the list's
  // own rAF repaint, which runs later in the same frame.
  const afterFrame = new MessageChannel();
  afterFrame.port1.onmessage = ({ data: frameTime }) => {
    if (b.recording) {
      const waiting = layer()?.getElementsByClassName('loading').length ?? 0;
      if (waiting) b.placeholderFrames++;
      b.placeholderRows += waiting;
      // An episode: consecutive frames with placeholders, from the first such frame to the first without.
      if (waiting && b.episodeFrom === null) b.episodeFrom = frameTime;
      if (!waiting && b.episodeFrom !== null) {
        b.episodes.push(frameTime - b.episodeFrom);
        b.episodeFrom = null;
      }
    }
    const w = b.waiting;
    if (w && layer() && layer().getElementsByClassName('loading').length === 0) {
      const shown = numbers();
      if (shown.length && w.test(shown, counts())) {
        b.waiting = null;
        const from = b.lastKey && b.lastKey.at >= w.since ? b.lastKey.at : w.since;
        w.resolve({ ms: performance.now() - from, first: shown[0], last: shown.at(-1) });
      }
    }
  };
  const frame = (now) => {
    if (b.recording && b.lastFrame) b.gaps.push(now - b.lastFrame);
    b.lastFrame = now;
    afterFrame.port2.postMessage(now);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  setInterval(() => {
    if (!b.recording) return;
    const shown = numbers();
    b.tail.push({ at: performance.now(), last: shown.at(-1) ?? 0, displayed: counts() });
  }, 250);
  b.start = () => {
    Object.assign(b, {
      recording: true,
      gaps: [],
      placeholderFrames: 0,
      placeholderRows: 0,
      episodes: [],
      episodeFrom: null,
      longTasks: [],
      tail: [],
      lastFrame: 0,
    });
  };
  b.stop = () => {
    b.recording = false;
    const { gaps, placeholderFrames, placeholderRows, episodes, longTasks, tail } = b;
    return { gaps, placeholderFrames, placeholderRows, episodes, longTasks, tail };
  };
  b.shown = () => ({ numbers: numbers(), displayed: counts() });
  /**
   * arm(), then the key presses, then painted(): resolves at the first frame where every visible
   * row is filled in and they show packet `spec.number`, or a screenful around `spec.near`, or
   * (spec.tail) the last displayed packet, or (spec.selected) the selected row. No eval: the
   * app's CSP forbids it.
   */
  b.arm = (spec, timeoutMs) => {
    b.pending = new Promise((resolve) => {
      const since = performance.now();
      const test = (rows, displayed) =>
        spec.selected
          ? document.querySelector('.packet-layer .packet-row.selected:not(.loading)') !== null
          : spec.tail
            ? rows.at(-1) === displayed
            : spec.near
              ? rows.some((n) => Math.abs(n - spec.near) < rows.length)
              : rows.includes(spec.number);
      b.waiting = { since, test, resolve };
      setTimeout(() => {
        if (b.waiting?.since === since) {
          b.waiting = null;
          resolve({ ms: null, timedOut: true, shown: numbers() });
        }
      }, timeoutMs);
    });
  };
  b.painted = () => b.pending;
  /** Moves the list's scrollbar to `fraction` of its range, as a drag of its thumb does. */
  b.scrollTo = (fraction) => {
    const el = document.querySelector('.packet-viewport');
    b.lastKey = { key: 'scroll', at: performance.now() };
    el.scrollTop = fraction * (el.scrollHeight - el.clientHeight);
  };
}

/** A rAF-based probe for a static page (the naive table): frame intervals and long tasks only. */
function framesOnlyProbe() {
  const b = { recording: false, gaps: [], longTasks: [], lastFrame: 0 };
  window.__uiBench = b;
  new PerformanceObserver((list) => {
    if (b.recording) for (const e of list.getEntries()) b.longTasks.push(e.duration);
  }).observe({ type: 'longtask' });
  const frame = (now) => {
    if (b.recording && b.lastFrame) b.gaps.push(now - b.lastFrame);
    b.lastFrame = now;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  b.start = () => Object.assign(b, { recording: true, gaps: [], longTasks: [], lastFrame: 0 });
  b.stop = () => {
    b.recording = false;
    return {
      gaps: b.gaps,
      placeholderFrames: 0,
      placeholderRows: 0,
      episodes: [],
      longTasks: b.longTasks,
      tail: [],
    };
  };
}

export const installProbe = (page, framesOnly = false) =>
  page.evaluate(framesOnly ? framesOnlyProbe : pageProbe);

export const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : Number.NaN;

/** Frame interval statistics of a recording window. */
export function frameStats({ gaps, placeholderFrames, placeholderRows, episodes, longTasks }, seconds) {
  const sorted = [...gaps].sort((a, b) => a - b);
  const blank = [...episodes].sort((a, b) => a - b);
  return {
    frames: gaps.length,
    fps: gaps.length / seconds,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    over50ms: gaps.filter((g) => g > 50).length,
    placeholderFrames,
    /** Mean placeholder rows per frame that had any. */
    placeholderRowsPerFrame: placeholderFrames ? placeholderRows / placeholderFrames : 0,
    /** How long placeholders stayed on screen each time they appeared: count, median, max (ms). */
    placeholderEpisodes: blank.length,
    placeholderEpisodeMedian: percentile(blank, 0.5),
    placeholderEpisodeMax: blank.at(-1) ?? 0,
    longTasks: longTasks.length,
    longTaskMs: longTasks.reduce((s, d) => s + d, 0),
    longTaskMax: Math.max(0, ...longTasks),
  };
}

/** Records frames while `action` runs; returns the action's value with the frame statistics. */
export async function measure(page, action) {
  await page.evaluate(() => window.__uiBench.start());
  const started = performance.now();
  const value = await action();
  const seconds = (performance.now() - started) / 1000;
  const raw = await page.evaluate(() => window.__uiBench.stop());
  return { value, seconds, frames: frameStats(raw, seconds), tail: raw.tail };
}

/** The CDP Performance metrics we report, as a name → value object. */
export async function cdpMetrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const all = Object.fromEntries(metrics.map((m) => [m.name, m.value]));
  const pick = ['JSHeapUsedSize', 'JSHeapTotalSize', 'Nodes', 'LayoutCount', 'RecalcStyleCount'];
  const durations = ['LayoutDuration', 'RecalcStyleDuration', 'ScriptDuration', 'TaskDuration'];
  return Object.fromEntries([...pick, ...durations].map((k) => [k, all[k]]));
}

/** The change of the counters and durations between two cdpMetrics readings. */
export function metricsDelta(before, after, seconds) {
  return {
    layoutsPerSecond: (after.LayoutCount - before.LayoutCount) / seconds,
    styleRecalcsPerSecond: (after.RecalcStyleCount - before.RecalcStyleCount) / seconds,
    /** Share of the renderer's main thread spent in tasks / script / layout over the window. */
    mainThreadBusy: (after.TaskDuration - before.TaskDuration) / seconds,
    scriptShare: (after.ScriptDuration - before.ScriptDuration) / seconds,
    layoutShare: (after.LayoutDuration - before.LayoutDuration) / seconds,
    styleShare: (after.RecalcStyleDuration - before.RecalcStyleDuration) / seconds,
  };
}

/** Heap after a full GC (HeapProfiler.collectGarbage), and the live DOM node count. */
export async function heapAfterGc(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const metrics = await cdpMetrics(cdp);
  const used = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
  return { jsHeap: metrics.JSHeapUsedSize, performanceMemory: used, nodes: metrics.Nodes };
}

/**
 * The page's renderer process: of the renderers Chromium reports (SystemInfo.getProcessInfo),
 * the one that has used the most CPU, leaving out Chromium's own WebUI renderers. Run once the
 * page has done real work and with one page per browser, this is the page's renderer.
 */
export async function rendererPid(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  await cdp.detach();
  const renderers = processInfo
    .filter((p) => p.type === 'renderer')
    .filter((p) => !readText(`/proc/${p.id}/cmdline`).includes('top-chrome-webui'))
    .sort((a, b) => b.cpuTime - a.cpuTime);
  return { pid: renderers[0]?.id, all: processInfo.map((p) => ({ type: p.type, pid: p.id })) };
}

/** RSS, its anonymous (private heap) part, and the peak, in bytes, from /proc/<pid>/status. */
export function processMemory(pid) {
  const status = readText(`/proc/${pid}/status`);
  const kB = (name) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kB('VmRSS'), anon: kB('RssAnon'), peak: kB('VmHWM') };
}

/** CPU seconds (user + system) of several processes, and the whole machine's busy time, now. */
export function cpuNow(pids) {
  const [, ...fields] = readText('/proc/stat').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((s, v) => s + v, 0);
  const per = {};
  for (const [name, pid] of Object.entries(pids)) {
    const c = pid === undefined ? undefined : cpuSeconds(pid);
    per[name] = c ? c.user + c.system : Number.NaN;
  }
  return { at: performance.now(), per, idle, total };
}

/** Shares of one core used by each process between two cpuNow readings, and the machine's busy share. */
export function cpuShares(before, after) {
  const seconds = (after.at - before.at) / 1000;
  const shares = {};
  for (const name of Object.keys(before.per)) shares[name] = (after.per[name] - before.per[name]) / seconds;
  const busy = 1 - (after.idle - before.idle) / Math.max(1, after.total - before.total);
  return { ...shares, machineBusy: busy };
}

export const loadAverage = () => readText('/proc/loadavg').split(' ').slice(0, 3).map(Number);

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
