// Inventory at scale: how long until 500 nodes / 10k pods are listed and watched, what they cost
// in memory, how fast a change arrives, next to `kubectl get pods -A -o json` in the same run.
//
//   npm run build && node test/bench/inventory-scale.js [--nodes 500] [--pods 10000] [--runs 3]
//
// Needs the lab (`npm run lab -- up`). Uses the lab's scale-mode objects when there are enough
// (`up --fake-nodes 500 --fake-pods 10000`); otherwise creates its own (tainted Node objects and
// Running pods bound to them, labelled clustertap.bench/inventory=true) and deletes them after
// (not with --keep: the next run reuses them). `--page-size N`: the inventory's LIST page size.
// Each measurement runs in a fresh child process (node --expose-gc), so heap and RSS are its own.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = (p) => path.join(repo, 'dist', p);
const LAB_DIR = process.env.CLUSTERTAP_LAB_DIR ?? '/tmp/clustertap-lab';
const BENCH_LABEL = 'clustertap.bench/inventory';
const FAKE_LABEL = 'clustertap.lab/fake';
const NAMESPACES = 20;

const { values: opts } = parseArgs({
  options: {
    nodes: { type: 'string', default: '500' },
    pods: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    'page-size': { type: 'string', default: '250' },
    keep: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
  },
});

function lab() {
  const file = path.join(LAB_DIR, 'state.json');
  if (!fs.existsSync(file))
    throw new Error(`no lab (${file} missing): run \`npm run lab -- up\` as root first`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The lab's kubeconfig, loaded the way the app loads the user's. */
async function kubeConfigFor(file, context) {
  const { loadKubeconfig } = await import(dist('main/kube/kubeconfig/index.js'));
  return loadKubeconfig({ kubeconfig: file, context }).kubeConfig;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (bytes) => (bytes / 1048576).toFixed(1);

// ---- the measured side: one fresh process per run ---------------------------------------------

async function child() {
  const { createInventory } = await import(dist('main/kube/inventory/inventory.js'));
  const { apiRequest } = await import(dist('main/kube/api-client.js'));
  const kubeConfig = await kubeConfigFor(lab().kubeconfig, 'lab');
  const gc = globalThis.gc;
  const settle = () => {
    for (let i = 0; i < 3; i++) gc();
  };
  settle();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  let peakRss = rss0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);

  const started = performance.now();
  const synced = {};
  const inventory = createInventory({
    kubeConfig,
    batchMs: 1,
    watch: { pageSize: Number(opts['page-size']) },
  });
  inventory.subscribeStatus((s) => {
    for (const [resource, status] of Object.entries(s))
      if (status.synced && synced[resource] === undefined) synced[resource] = performance.now() - started;
  });
  inventory.start();
  const status = await inventory.whenSettled();
  const allSynced = performance.now() - started;
  clearInterval(sampler);
  const snapshot = inventory.snapshot();
  settle();
  const heap1 = process.memoryUsage().heapUsed;
  const rss1 = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss1);

  // Change latency: patch a label on a pod, time until the inventory reports it.
  const latencies = [];
  const target = snapshot.pods.find(
    (p) => p.labels[FAKE_LABEL] === 'true' || p.labels[BENCH_LABEL] === 'true',
  );
  for (let i = 0; target && i < 20; i++) {
    const seen = new Promise((resolve) => {
      const off = inventory.subscribe((changes) => {
        if (changes.some((c) => c.resource === 'pods' && c.record.labels['bench-seq'] === String(i))) {
          off();
          resolve();
        }
      });
    });
    const t = performance.now();
    await apiRequest(kubeConfig, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${target.namespace}/pods/${target.name}`,
      doing: 'label a pod',
      body: { metadata: { labels: { 'bench-seq': String(i) } } },
      contentType: 'application/merge-patch+json',
    });
    await seen;
    latencies.push(performance.now() - t);
  }
  inventory.stop();
  const result = {
    pods: snapshot.pods.length,
    nodes: snapshot.nodes.length,
    namespaces: snapshot.namespaces.length,
    errors: Object.values(status)
      .map((s) => s.lastError?.message)
      .filter(Boolean),
    podsSyncedMs: synced.pods,
    nodesSyncedMs: synced.nodes,
    allSyncedMs: allSynced,
    heapDelta: heap1 - heap0,
    rssDelta: rss1 - rss0,
    peakRssDelta: peakRss - rss0,
    peakRss,
    latencyMedianMs: latencies.length ? median(latencies) : undefined,
    latencyMaxMs: latencies.length ? Math.max(...latencies) : undefined,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---- the driver: objects, runs, the peer, the report -------------------------------------------

function kubectl(state, args) {
  return execFileSync(state.kubectl, [`--kubeconfig=${state.kubeconfig}`, '--context=lab', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
}

function count(state, kind, selector) {
  return kubectl(state, ['get', kind, '-A', '-l', selector, '-o', 'name']).split('\n').filter(Boolean).length;
}

async function inParallel(n, width, task, progress) {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        await task(i);
        if (++done % 1000 === 0) progress(done);
      }
    }),
  );
}

const benchNode = (i) => `inv-bench-node-${String(i + 1).padStart(4, '0')}`;

async function waitFor(check, what, ms = 180_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function createObjects(kubeConfig, nodes, pods) {
  const { apiRequest } = await import(dist('main/kube/api-client.js'));
  const get = (p) => apiRequest(kubeConfig, { method: 'GET', path: p, doing: 'read' }).catch(() => undefined);
  const labels = { [BENCH_LABEL]: 'true', [FAKE_LABEL]: 'true' };
  const ignoreExists = (error) => {
    if (error.kind !== 'conflict') throw error;
  };
  const post = (p, body) =>
    apiRequest(kubeConfig, { method: 'POST', path: p, doing: 'create', body }).catch(ignoreExists);
  await inParallel(
    nodes,
    16,
    (i) =>
      post('/api/v1/nodes', {
        metadata: {
          name: benchNode(i),
          labels: { ...labels, 'kubernetes.io/hostname': benchNode(i), 'kubernetes.io/os': 'linux' },
          annotations: { 'projectcalico.org/IPv4Address': `10.250.${i >> 8}.${i & 255}/16` },
        },
        spec: {
          podCIDR: `10.${200 + (i >> 8)}.${i & 255}.0/24`,
          taints: [{ key: FAKE_LABEL, value: 'true', effect: 'NoSchedule' }],
        },
      }),
    (n) => console.error(`bench nodes: ${n}/${nodes}`),
  );
  for (let ns = 0; ns < NAMESPACES; ns++) {
    const path = `/api/v1/namespaces/inv-bench-${ns}`;
    // A namespace an earlier run deleted may still be terminating: wait until it is gone.
    await waitFor(async () => !(await get(path))?.metadata?.deletionTimestamp, `inv-bench-${ns} gone`);
    await post('/api/v1/namespaces', { metadata: { name: `inv-bench-${ns}`, labels } });
  }
  // Pods are admitted only once the controller has made the namespace's default ServiceAccount.
  for (let ns = 0; ns < NAMESPACES; ns++)
    await waitFor(
      () => get(`/api/v1/namespaces/inv-bench-${ns}/serviceaccounts/default`),
      `inv-bench-${ns}/default`,
    );
  await inParallel(
    pods,
    32,
    async (i) => {
      const node = i % nodes;
      const namespace = `inv-bench-${i % NAMESPACES}`;
      const name = `inv-bench-pod-${i}`;
      const base = `/api/v1/namespaces/${namespace}/pods`;
      await post(base, {
        metadata: {
          name,
          namespace,
          labels: { ...labels, app: `app-${i % 50}`, tier: i % 3 ? 'backend' : 'web' },
        },
        spec: {
          nodeName: benchNode(node),
          containers: [{ name: 'main', image: 'clustertap.lab/fake:1' }],
          tolerations: [{ key: FAKE_LABEL, operator: 'Exists' }],
        },
      });
      const podIP = `10.${200 + (node >> 8)}.${node & 255}.${2 + Math.floor(i / nodes)}`;
      await apiRequest(kubeConfig, {
        method: 'PATCH',
        path: `${base}/${name}/status`,
        doing: 'set pod status',
        body: { status: { phase: 'Running', podIP, podIPs: [{ ip: podIP }] } },
        contentType: 'application/merge-patch+json',
      });
    },
    (n) => console.error(`bench pods: ${n}/${pods}`),
  );
}

async function deleteObjects(kubeConfig) {
  const { apiRequest } = await import(dist('main/kube/api-client.js'));
  const selector = encodeURIComponent(`${BENCH_LABEL}=true`);
  const del = (p) =>
    apiRequest(kubeConfig, { method: 'DELETE', path: p, doing: 'delete bench objects', timeoutMs: 300_000 });
  for (let ns = 0; ns < NAMESPACES; ns++)
    await del(`/api/v1/namespaces/inv-bench-${ns}/pods?labelSelector=${selector}&gracePeriodSeconds=0`).catch(
      () => {},
    );
  await del(`/api/v1/nodes?labelSelector=${selector}`).catch(() => {});
  for (let ns = 0; ns < NAMESPACES; ns++) await del(`/api/v1/namespaces/inv-bench-${ns}`).catch(() => {});
}

function runChild() {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--child', '--page-size', opts['page-size']],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
    });
    proc.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)))
        : reject(new Error(`child exited ${code}`)),
    );
  });
}

/** kubectl's wall time, peak RSS (GNU time) and the size of the JSON it prints: the peer. */
function kubectlPeer(state) {
  const started = performance.now();
  const run = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'maxrss_kb=%M',
      state.kubectl,
      `--kubeconfig=${state.kubeconfig}`,
      '--context=lab',
      'get',
      'pods',
      '-A',
      '-o',
      'json',
    ],
    { maxBuffer: 1 << 30 },
  );
  const wallMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`kubectl failed: ${run.stderr}`);
  const rss = /maxrss_kb=(\d+)/.exec(String(run.stderr));
  return { wallMs, bytes: run.stdout.length, maxRss: rss ? Number(rss[1]) * 1024 : undefined };
}

async function main() {
  if (opts.child) return child();
  const state = lab();
  const nodes = Number(opts.nodes);
  const pods = Number(opts.pods);
  const kubeConfig = await kubeConfigFor(state.kubeconfig, 'lab');
  // Fake objects of the lab's scale mode, or of an earlier run with --keep.
  const existingPods = count(state, 'pods', `${FAKE_LABEL}=true`);
  const existingNodes = count(state, 'nodes', `${FAKE_LABEL}=true`);
  const create = existingPods < pods || existingNodes < nodes;
  try {
    if (create) {
      console.error(
        `creating ${nodes} nodes and ${pods} pods (lab has ${existingNodes}/${existingPods} fake ones)`,
      );
      const t = performance.now();
      await createObjects(kubeConfig, nodes, pods);
      console.error(`created in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    } else console.error(`using the ${existingNodes} fake nodes and ${existingPods} fake pods already there`);
    const runs = [];
    const peers = [];
    for (let r = 0; r < Number(opts.runs); r++) {
      runs.push(await runChild());
      peers.push(kubectlPeer(state));
      console.error(`run ${r + 1}: ${JSON.stringify(runs.at(-1))} kubectl: ${JSON.stringify(peers.at(-1))}`);
    }
    report(runs, peers);
  } finally {
    if (!opts.keep) {
      console.error('deleting the bench objects');
      await deleteObjects(kubeConfig);
    }
  }
}

function report(runs, peers) {
  const m = (key, xs = runs) => median(xs.map((x) => x[key]).filter((v) => v !== undefined));
  const pods = runs[0].pods;
  const lines = [
    `inventory: ${runs[0].nodes} nodes, ${pods} pods, ${runs[0].namespaces} namespaces; median of ${runs.length} fresh processes`,
    `  errors: ${runs.flatMap((r) => r.errors).join('; ') || 'none'}`,
    `  pods listed + watching: ${m('podsSyncedMs').toFixed(0)} ms; nodes: ${m('nodesSyncedMs').toFixed(0)} ms; all: ${m('allSyncedMs').toFixed(0)} ms`,
    `  heap after GC: +${mib(m('heapDelta'))} MiB = ${(m('heapDelta') / pods).toFixed(0)} B per pod (nodes and namespaces included)`,
    `  RSS: +${mib(m('rssDelta'))} MiB after sync, peak +${mib(m('peakRssDelta'))} MiB during the list (peak ${mib(m('peakRss'))} MiB)`,
    `  change latency (label patch → subscriber): median ${m('latencyMedianMs')?.toFixed(1)} ms, max ${m('latencyMaxMs')?.toFixed(1)} ms`,
    `kubectl get pods -A -o json: ${m('wallMs', peers).toFixed(0)} ms, peak RSS ${mib(m('maxRss', peers))} MiB, ${mib(m('bytes', peers))} MiB of JSON`,
    `ratio inventory/kubectl: time to pods synced ${(m('podsSyncedMs') / m('wallMs', peers)).toFixed(2)}×, peak RSS ${(m('peakRss') / m('maxRss', peers)).toFixed(2)}×`,
  ];
  console.log(lines.join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
