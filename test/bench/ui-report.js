// The UI benchmark's tables: one row per figure, a column per run, then the median and range.
// Ratios are computed within each run (app and peer measured minutes apart on the same machine)
// and then summarized the same way.

const MiB = 2 ** 20;
const median = (values) => {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (v) => v * 100;
const mib = (v) => v / MiB;
const frameRows = (prefix, get) => [
  [
    `${prefix}: frame interval p50 / p95 / p99 / max (ms)`,
    'ms4',
    (r) => [get(r).p50, get(r).p95, get(r).p99, get(r).max],
  ],
  [`${prefix}: frames per second`, 'n1', (r) => get(r).fps],
  [`${prefix}: frames > 50 ms`, 'n0', (r) => get(r).over50ms],
  [
    `${prefix}: long tasks (count, total ms, longest ms)`,
    'n3',
    (r) => [get(r).longTasks, get(r).longTaskMs, get(r).longTaskMax],
  ],
];
const placeholderRows = (prefix, get) => [
  [
    `${prefix}: frames showing placeholder rows (%; mean placeholder rows in them)`,
    'n2',
    (r) => [pct(get(r).placeholderFrames / Math.max(1, get(r).frames)), get(r).placeholderRowsPerFrame],
  ],
  [
    `${prefix}: placeholders on screen, each time: median, max (ms)`,
    'n2',
    (r) => [get(r).placeholderEpisodeMedian, get(r).placeholderEpisodeMax],
  ],
];
const threadRow = (prefix, get) => [
  `${prefix}: renderer main thread busy %, of it script / layout / style %`,
  'n4',
  (r) => [
    pct(get(r).mainThreadBusy),
    pct(get(r).scriptShare),
    pct(get(r).layoutShare),
    pct(get(r).styleShare),
  ],
];
const cpuRow = (prefix, get) => [
  `${prefix}: CPU % of a core: core, renderer, other Chromium; machine busy %`,
  'n4',
  (r) => [pct(get(r).core), pct(get(r).renderer), pct(get(r).chromiumOther), pct(get(r).machineBusy)],
];

const INGEST = [
  ['machine load average (1 min) at start, end', 'f2', (r) => [r.ingest.start.load[0], r.ingest.end.load[0]]],
  [
    'generator: packets sent, achieved packets/s',
    'n2',
    (r) => [r.ingest.generator.sent, r.ingest.generator.pps],
  ],
  [
    'core: packets stored (% of sent), kernel drops',
    'n3',
    (r) => [r.ingest.stored, pct(r.ingest.stored / r.ingest.generator.sent), r.ingest.kernelDrops],
  ],
  ...frameRows('ingesting', (r) => r.ingest.frames),
  ...placeholderRows('ingesting', (r) => r.ingest.frames),
  ['list tail: last row shown advanced (rows/s)', 'n0', (r) => r.ingest.tail.rowsPerSecond],
  [
    "list tail: behind the UI's count (median, max packets)",
    'n2',
    (r) => [r.ingest.tail.lagMedian, r.ingest.tail.lagMax],
  ],
  [
    'core: packets.rows for the 100 tail rows, asked beside the page: median, max (ms)',
    'ms2',
    (r) => [median(r.ingest.rowsLatencyMs), Math.max(...r.ingest.rowsLatencyMs)],
  ],
  threadRow('ingesting', (r) => r.ingest.cdp),
  cpuRow('ingesting', (r) => r.ingest.cpu),
  ['generator CPU % of a core', 'n0', (r) => pct(r.ingest.generator.cpuSeconds / r.ingest.generator.seconds)],
  [
    'renderer JS heap after GC: before, after (MiB)',
    'f2',
    (r) => [mib(r.ingest.start.heap.jsHeap), mib(r.ingest.end.heap.jsHeap)],
  ],
  [
    'renderer RSS: before, peak during, after (MiB)',
    'n3',
    (r) => [
      mib(r.ingest.start.renderer.rss),
      mib(r.ingest.peakDuring.rendererRss),
      mib(r.ingest.end.renderer.rss),
    ],
  ],
  [
    'renderer private (RssAnon): before, peak during, after (MiB)',
    'n3',
    (r) => [
      mib(r.ingest.start.renderer.anon),
      mib(r.ingest.peakDuring.rendererAnon),
      mib(r.ingest.end.renderer.anon),
    ],
  ],
  ['DOM nodes after, packet rows in the DOM', 'n2', (r) => [r.ingest.end.heap.nodes, r.ingest.end.rowsInDom]],
  [
    'core RSS: before, after, peak (MiB)',
    'n3',
    (r) => [mib(r.ingest.start.core.rss), mib(r.ingest.end.core.rss), mib(r.ingest.end.core.peak)],
  ],
  ...frameRows('at rest after', (r) => r.ingest.rest).slice(0, 2),
];

const SCROLL = [
  ['machine load average (1 min) at start, end', 'f2', (r) => [r.scroll.load[0], r.scroll.after.load[0]]],
  ['open through the UI (upload + capture.open), s', 'f1', (r) => r.scroll.openSeconds],
  [
    'after open: core RSS, peak (MiB)',
    'n2',
    (r) => [mib(r.scroll.opened.core.rss), mib(r.scroll.opened.core.peak)],
  ],
  [
    'after open: renderer RSS, private, JS heap after GC (MiB)',
    'f3',
    (r) => [
      mib(r.scroll.opened.renderer.rss),
      mib(r.scroll.opened.renderer.anon),
      mib(r.scroll.opened.heap.jsHeap),
    ],
  ],
  [
    'wheel: events sent, rows moved per second',
    'n2',
    (r) => [r.scroll.wheel.value, r.scroll.wheel.rowsMoved / r.scroll.wheel.seconds],
  ],
  ...frameRows('wheel', (r) => r.scroll.wheel.frames),
  ...placeholderRows('wheel', (r) => r.scroll.wheel.frames),
  threadRow('wheel', (r) => r.scroll.wheel.cdp),
  cpuRow('wheel', (r) => r.scroll.wheel.cpu),
  ...frameRows('PageDown bursts', (r) => r.scroll.paging.frames),
  threadRow('PageDown bursts', (r) => r.scroll.paging.cdp),
  [
    'PageDown: last press → selected row painted, median / max (ms)',
    'ms2',
    (r) => [
      median(r.scroll.paging.value.map((v) => v.ms)),
      Math.max(...r.scroll.paging.value.map((v) => v.ms)),
    ],
  ],
  ['End → last rows painted (ms)', 'ms1', (r) => r.scroll.jumps.value.end.ms],
  ['scrollbar to 40 % → rows painted (ms)', 'ms1', (r) => r.scroll.jumps.value['scrollbar 40 %'].ms],
  [
    'Go to packet (½, ¼, ¾): Enter → rows painted (ms)',
    'ms3',
    (r) =>
      Object.entries(r.scroll.jumps.value)
        .filter(([k]) => k.startsWith('goto'))
        .map(([, v]) => v.ms),
  ],
  ...frameRows('jumps', (r) => r.scroll.jumps.frames).slice(0, 1),
  [
    'after scrolling: JS heap after GC (MiB), DOM nodes, rows in DOM',
    'n3',
    (r) => [mib(r.scroll.after.heap.jsHeap), r.scroll.after.heap.nodes, r.scroll.after.rowsInDom],
  ],
  [
    'after scrolling: renderer RSS, private, peak (MiB)',
    'n3',
    (r) => [
      mib(r.scroll.after.renderer.rss),
      mib(r.scroll.after.renderer.anon),
      mib(r.scroll.after.renderer.peak),
    ],
  ],
  [
    'after scrolling: core RSS, peak (MiB)',
    'n2',
    (r) => [mib(r.scroll.after.core.rss), mib(r.scroll.after.core.peak)],
  ],
];

const naive = (i) => (r) => r.naive[i];
const PEERS = [
  ...[0, 1].flatMap((i) => {
    const n = (r) => naive(i)(r).rows.toLocaleString('en');
    return [
      [
        (r) => `naive table, ${n(r)} rows: load → first frame (s), HTML MiB`,
        'f2',
        (r) => [naive(i)(r).loadSeconds, mib(naive(i)(r).htmlBytes)],
      ],
      [
        (r) => `naive table, ${n(r)} rows: renderer RSS, private, JS heap (MiB), DOM nodes`,
        'n4',
        (r) => [
          mib(naive(i)(r).loaded.memory.rss),
          mib(naive(i)(r).loaded.memory.anon),
          mib(naive(i)(r).loaded.jsHeap),
          naive(i)(r).loaded.nodes,
        ],
      ],
      [
        (r) => `naive table, ${n(r)} rows: wheel frame interval p50 / p95 / p99 / max (ms)`,
        'ms4',
        (r) => ['p50', 'p95', 'p99', 'max'].map((k) => naive(i)(r).wheel.frames[k]),
      ],
      [
        (r) => `naive table, ${n(r)} rows: wheel fps, long tasks, rows moved/s`,
        'n3',
        (r) => [
          naive(i)(r).wheel.frames.fps,
          naive(i)(r).wheel.frames.longTasks,
          naive(i)(r).wheel.rowsMoved / naive(i)(r).wheel.seconds,
        ],
      ],
    ];
  }),
  [
    (r) =>
      `naive table extrapolated to ${r.scroll.packets.toLocaleString('en')} rows (linear from the two sizes): private MiB, load s`,
    'n2',
    (r) => [mib(extrapolate(r, (x) => x.loaded.memory.anon)), extrapolate(r, (x) => x.loadSeconds)],
  ],
  [
    'tshark -r FILE -2 (two-pass, like Wireshark opening it): peak RSS MiB, wall s',
    'n2',
    (r) => [mib(r.tshark.peakRss), r.tshark.seconds],
  ],
];

/** Linear in rows through the two measured sizes, evaluated at the scroll capture's size. */
function extrapolate(r, get) {
  const [a, b] = r.naive;
  const slope = (get(b) - get(a)) / (b.rows - a.rows);
  return get(b) + slope * (r.scroll.packets - b.rows);
}

const rowsOf = (r) => r.naive[1].rows.toLocaleString('en');
const packetsOf = (r) => r.scroll.packets.toLocaleString('en');
const RATIOS = [
  [
    () => 'ingest: frame p95 while ingesting ÷ at rest (same page)',
    (r) => r.ingest.frames.p95 / r.ingest.rest.p95,
  ],
  [
    (r) =>
      `scroll: app wheel frame p95 (${packetsOf(r)} packets) ÷ naive table wheel p95 (${rowsOf(r)} rows)`,
    (r) => r.scroll.wheel.frames.p95 / r.naive[1].wheel.frames.p95,
  ],
  [
    (r) =>
      `memory: app renderer private after scrolling (${packetsOf(r)} packets) ÷ naive table private (${rowsOf(r)} rows, measured)`,
    (r) => r.scroll.after.renderer.anon / r.naive[1].loaded.memory.anon,
  ],
  [
    (r) => `memory: the same ÷ naive table private extrapolated to ${packetsOf(r)} rows`,
    (r) => r.scroll.after.renderer.anon / extrapolate(r, (x) => x.loaded.memory.anon),
  ],
  [
    () => 'memory: app core + renderer peak RSS ÷ tshark -2 peak RSS (same file)',
    (r) => (r.scroll.after.core.peak + r.scroll.after.renderer.peak) / r.tshark.peakRss,
  ],
  [
    () => 'memory: app core RSS after open ÷ tshark -2 peak RSS (same file)',
    (r) => r.scroll.opened.core.rss / r.tshark.peakRss,
  ],
  [
    () => 'time: app open through the UI ÷ tshark -2 read of the same file',
    (r) => r.scroll.openSeconds / r.tshark.seconds,
  ],
];

/** Each table as rows of { label, format, values: [per run: number | number[]] }. */
export function summarize(runs) {
  const table = (rows, present) =>
    present
      ? rows.map(([label, format, get]) => ({
          label: typeof label === 'function' ? label(runs[0]) : label,
          format,
          values: runs.map((r) => safe(() => get(r))),
        }))
      : [];
  return {
    ingest: table(INGEST, runs[0]?.ingest),
    scroll: table(SCROLL, runs[0]?.scroll),
    peers: table(PEERS, runs[0]?.naive?.length === 2),
    ratios:
      runs[0]?.ingest && runs[0]?.scroll && runs[0]?.naive
        ? table(
            RATIOS.map(([l, g]) => [l, 'r', g]),
            true,
          )
        : [],
  };
}

function safe(get) {
  try {
    return get();
  } catch {
    return Number.NaN;
  }
}

function formatNumber(v, format) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (format === 'r') return v.toPrecision(v < 0.1 ? 2 : 3);
  const digits =
    format.startsWith('ms') || format === 'f1' ? 1 : format === 'f2' ? 2 : format === 'f3' ? 1 : 0;
  return v.toLocaleString('en', {
    maximumFractionDigits: digits,
    minimumFractionDigits: format.startsWith('f') ? digits : 0,
  });
}

const cell = (v, format) =>
  Array.isArray(v) ? v.map((x) => formatNumber(x, format)).join(' / ') : formatNumber(v, format);

/** "median (min–max)" per component of the figure. */
function medianCell(values, format) {
  const parts = Array.isArray(values[0]) ? values[0].map((_, i) => values.map((v) => v[i])) : [values];
  return parts
    .map((p) => {
      const m = formatNumber(median(p), format);
      if (values.length < 2) return m;
      const finite = p.filter(Number.isFinite);
      return `${m} (${formatNumber(Math.min(...finite), format)}–${formatNumber(Math.max(...finite), format)})`;
    })
    .join(' / ');
}

function printTable(title, rows, runCount) {
  if (rows.length === 0) return;
  const head = ['figure', ...Array.from({ length: runCount }, (_, i) => `run ${i + 1}`), 'median (range)'];
  const lines = [head, head.map(() => '---')];
  for (const row of rows)
    lines.push([
      row.label,
      ...row.values.map((v) => cell(v, row.format)),
      medianCell(row.values, row.format),
    ]);
  process.stdout.write(`\n### ${title}\n\n${lines.map((l) => `| ${l.join(' | ')} |`).join('\n')}\n`);
}

export function printReport(setup, summary) {
  const runCount = summary.ingest[0]?.values.length ?? summary.scroll[0]?.values.length ?? 0;
  process.stdout.write(
    `\nUI benchmark: commit ${setup.commit}${setup.uncommitted.renderer ? ' (renderer/ with uncommitted changes)' : ''}, ` +
      `bundle ${setup.bundle}, ${setup.chromium}, ${setup.cpus}, ${setup.memoryGiB} GiB, Node ${setup.node}\n`,
  );
  printTable('Ingest: the live list following the tail', summary.ingest, runCount);
  printTable('Scroll: a capture opened through the UI', summary.scroll, runCount);
  printTable('Peers (same runs)', summary.peers, runCount);
  printTable('Ratios (within each run)', summary.ratios, runCount);
}
