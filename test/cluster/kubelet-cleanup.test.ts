import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlJson, type LabState, labState } from '../helpers/lab.js';

const { lab, reason } = labState();
if (reason) console.warn(`kubelet harness cleanup tests cannot run: ${reason}`);

/**
 * A second harness instance next to the lab's: two nodes of its own (one per CNI style) on the
 * same bridge and API server, tainted so nothing else is scheduled there. It proves --cleanup
 * leaves nothing behind and touches nothing of the lab's. Indices 81-82 are above any lab node
 * (the lab allows at most 50).
 */
const NS = 'ctlab-kubelet-cleanup-test';
const MAIN = path.resolve(import.meta.dirname, '../lab/kubelet/main.ts');
const TAINT = { key: 'clustertap.lab/kubelet-test', value: 'true', effect: 'NoSchedule' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function testState(l: LabState) {
  return {
    ...l,
    nodes: [81, 82].map((index) => ({
      name: `kubelet-test-node-${index}`,
      netns: `ctlab-node-${index}`,
      internalIP: `198.19.200.${index}`,
      cni: index === 81 ? 'calico' : 'flannel',
      podCIDR: `10.244.${index}.0/24`,
      index,
      taints: [TAINT],
    })),
  };
}

function harness(stateFile: string, extra: string[] = []) {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, '--state', stateFile, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
}

function runCleanup(stateFile: string): { code: number | null; out: string; ms: number } {
  const started = Date.now();
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', MAIN, '--state', stateFile, '--cleanup'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      timeout: 60_000,
    });
    return { code: 0, out, ms: Date.now() - started };
  } catch (e) {
    const err = e as { status: number | null; stdout?: string; stderr?: string };
    return { code: err.status, out: `${err.stdout ?? ''}${err.stderr ?? ''}`, ms: Date.now() - started };
  }
}

async function until(what: string, probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (probe()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(500);
  }
}

const testPod = (node: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `sleeper-${node}`, namespace: NS },
  spec: {
    nodeName: node,
    tolerations: [{ ...TAINT, operator: 'Equal' }],
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
  },
});

describe.skipIf(reason !== undefined)('kubelet harness: --cleanup leaves nothing behind', () => {
  const l = lab as LabState;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctlab-kubelet-cleanup-'));
  const stateFile = path.join(dir, 'state.json');
  const state = testState(l);
  let child: ChildProcess | undefined;
  let output = '';
  const podNetns: string[] = [];

  beforeAll(async () => {
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
    child = harness(stateFile);
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    await until('kubelet harness ready', () => output.includes('kubelet harness ready'), 90_000);
    kubectl(
      l,
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }),
    );
    await until(
      'the default ServiceAccount',
      () => !!kubectl(l, ['get', 'serviceaccount', 'default', '-n', NS]),
      20_000,
    ).catch(() => kubectl(l, ['create', 'serviceaccount', 'default', '-n', NS]));
    kubectl(
      l,
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: state.nodes.map((n) => testPod(n.name)) }),
    );
  });

  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    runCleanup(stateFile);
    // Nothing runs these pods any more: remove them the way the pod GC would.
    for (const node of state.nodes)
      kubectl(l, [
        'delete',
        'pods',
        '-A',
        '--field-selector',
        `spec.nodeName=${node.name}`,
        '--force',
        '--grace-period=0',
      ]);
    kubectl(l, ['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs pods on its own nodes, which reach each other across the two CNI styles', async () => {
    const podsFile = path.join(dir, 'pods.json');
    await until('both test pods in pods.json', () => {
      const pods = JSON.parse(fs.readFileSync(podsFile, 'utf8')) as {
        namespace: string;
        netns: string;
        ip: string;
      }[];
      return pods.filter((p) => p.namespace === NS).length === 2;
    });
    await until('both test pods Running', () => {
      const pods = kubectlJson<{ items: { status: { phase?: string } }[] }>(l, ['get', 'pods', '-n', NS]);
      return pods.items.length === 2 && pods.items.every((p) => p.status.phase === 'Running');
    });
    const pods = (
      JSON.parse(fs.readFileSync(podsFile, 'utf8')) as { namespace: string; netns: string; ip: string }[]
    ).filter((p) => p.namespace === NS);
    podNetns.push(...pods.map((p) => p.netns));
    const [a, b] = pods;
    expect(sh('ip', ['netns', 'exec', a?.netns ?? '', 'ping', '-c', '1', '-W', '2', b?.ip ?? ''])).toContain(
      '1 received',
    );
  });

  it('stops its containers on SIGTERM and leaves the namespaces for --cleanup', async () => {
    child?.kill('SIGTERM');
    await until('the harness to exit', () => child?.exitCode !== null, 20_000);
    expect(child?.exitCode).toBe(0);
    for (const ns of podNetns) {
      expect(sh('ip', ['netns', 'list'])).toContain(ns);
      expect(sh('ip', ['netns', 'pids', ns]).trim()).toBe('');
    }
  });

  it('removes every namespace, veth, route, file and Node it made, and only those', () => {
    const labNodesBefore = kubectl(l, ['get', 'nodes', '-o', 'name'])
      .split('\n')
      .filter((n) => n.includes('lab-node-'));
    const result = runCleanup(stateFile);
    expect(result.code, result.out).toBe(0);
    const netns = sh('ip', ['netns', 'list']);
    for (const ns of [...podNetns, ...state.nodes.map((n) => n.netns)]) expect(netns).not.toContain(ns);
    const links = sh('ip', ['-o', 'link', 'show']);
    for (const n of state.nodes) expect(links).not.toContain(`ctlab-n${n.index}@`);
    const routes = sh('ip', ['route', 'show']);
    for (const n of state.nodes) expect(routes).not.toContain(n.podCIDR.split('/')[0]);
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
    const nodes = kubectl(l, ['get', 'nodes', '-o', 'name']);
    for (const n of state.nodes) expect(nodes).not.toContain(n.name);
    // The lab's own nodes, namespaces and CNI DaemonSets are untouched.
    expect(nodes.split('\n').filter((n) => n.includes('lab-node-'))).toEqual(labNodesBefore);
    for (const n of l.nodes) expect(netns).toContain(n.netns);
    expect(kubectl(l, ['get', 'daemonsets', '-A', '-o', 'name'])).toMatch(/calico-node|kube-flannel-ds/);
  });

  it('can run again (idempotent), and without an API server it skips only the API part', () => {
    expect(runCleanup(stateFile).code).toBe(0);
    const offline = path.join(dir, 'offline');
    fs.mkdirSync(offline);
    const kubeconfig = fs
      .readFileSync(l.kubeconfig, 'utf8')
      .replace(/server: .*/g, 'server: https://127.0.0.1:9');
    fs.writeFileSync(path.join(offline, 'kubeconfig'), kubeconfig);
    const offlineState = path.join(offline, 'state.json');
    fs.writeFileSync(
      offlineState,
      JSON.stringify({ ...state, kubeconfig: path.join(offline, 'kubeconfig') }),
    );
    const result = runCleanup(offlineState);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toMatch(/API server not reachable/);
    expect(result.ms).toBeLessThan(15_000);
  });
});
