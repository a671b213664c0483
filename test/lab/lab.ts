/**
 * `npm run lab -- up|down|status|restart`: a real Kubernetes control plane whose nodes are
 * network namespaces (see README.md here). Needs root (namespaces, bridge, veths).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyViewerRbac, deployShop } from './control-plane/bootstrap.js';
import { BRIDGE, ensureBridge, GATEWAY_IP, nodeIP, removeBridge } from './control-plane/bridge.js';
import {
  API_SERVER_URL,
  CONTROL_PLANE,
  type ControlPlaneComponent,
  preparePki,
  restartComponent,
  startControlPlane,
  stopControlPlane,
} from './control-plane/control-plane.js';
import { runningPid } from './control-plane/daemon.js';
import { cleanupHarness, startHarness, stopHarness } from './control-plane/harness.js';
import { KUBECONFIG_FILE, LAB_DIR, PODS_FILE, REPO, STATE_FILE } from './control-plane/lab-paths.js';
import { type LabState, parseCni, readState, writeState } from './control-plane/lab-state.js';
import { createFakeObjects } from './control-plane/scale.js';

const log = (line: string) => process.stderr.write(`[lab] ${line}\n`);

const USAGE = `usage: npm run lab -- <command>
  up [--nodes N] [--cni calico|flannel|STYLE,STYLE,...] [--fake-nodes N --fake-pods M] [--no-shop]
  down
  status [--json]
  restart etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kubelet`;

function requireRoot(): void {
  if (process.getuid?.() !== 0)
    throw new Error('the lab needs root (network namespaces, a bridge, veths): run it as root or with sudo');
}

/** Builds the control-plane binaries or reuses the cached ones; the build prints its own progress. */
function binDir(): string {
  // A prebuilt set (e.g. a CI cache) skips the build entirely.
  if (process.env.CLUSTERTAP_LAB_BIN) return path.resolve(process.env.CLUSTERTAP_LAB_BIN);
  const script = path.join(REPO, 'test/lab/build/build-k8s.sh');
  // Its progress goes to stderr: stdout carries only the KUBECONFIG=/KUBECTL= lines scripts read.
  execFileSync('bash', [script], { stdio: ['ignore', 2, 2] });
  return execFileSync('bash', [script, '--print-bin-dir'], { encoding: 'utf8' }).trim();
}

function planState(bin: string, nodes: number, cni: string): LabState {
  const styles = parseCni(cni, nodes);
  return {
    apiServer: API_SERVER_URL,
    kubeconfig: KUBECONFIG_FILE,
    kubectl: path.join(bin, 'kubectl'),
    binDir: bin,
    bridge: BRIDGE,
    gatewayIP: GATEWAY_IP,
    nodes: styles.map((style, i) => ({
      name: `lab-node-${i + 1}`,
      netns: `ctlab-node-${i + 1}`,
      internalIP: nodeIP(i + 1),
      cni: style,
      podCIDR: `10.244.${i + 1}.0/24`,
      index: i + 1,
    })),
  };
}

async function up(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: 'string' },
      cni: { type: 'string' },
      'fake-nodes': { type: 'string', default: '0' },
      'fake-pods': { type: 'string', default: '0' },
      'no-shop': { type: 'boolean', default: false },
    },
  });
  requireRoot();
  const nodes = Number(values.nodes ?? 3);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 50)
    throw new Error('--nodes must be an integer from 1 to 50');
  const existing = readState();
  const bin = binDir();
  const state = planState(bin, nodes, values.cni ?? 'calico');
  if (existing) {
    const same =
      existing.nodes.length === state.nodes.length &&
      existing.nodes.every((n, i) => n.cni === state.nodes[i]?.cni);
    if (!same && (values.nodes !== undefined || values.cni !== undefined))
      throw new Error(
        `the lab is already up with ${existing.nodes.map((n) => n.cni).join(',')} nodes; run \`npm run lab -- down\` first to change them`,
      );
    Object.assign(state, { nodes: existing.nodes });
  }
  fs.mkdirSync(LAB_DIR, { recursive: true, mode: 0o755 });
  ensureBridge();
  const pki = preparePki();
  await startControlPlane(bin, pki, log);
  applyViewerRbac(state.kubectl);
  writeState(state);
  await startHarness(log);
  if (!values['no-shop']) deployShop(state.kubectl, log);
  const fakeNodes = Number(values['fake-nodes']);
  const fakePods = Number(values['fake-pods']);
  if (fakeNodes > 0 || fakePods > 0) {
    if (fakeNodes < 1) throw new Error('--fake-pods needs --fake-nodes N (the nodes they run on)');
    await createFakeObjects(API_SERVER_URL, pki, fakeNodes, fakePods, log);
  }
  process.stdout.write(`KUBECONFIG=${KUBECONFIG_FILE}\nKUBECTL=${state.kubectl}\n`);
}

async function down(): Promise<void> {
  requireRoot();
  if (await stopHarness()) log('stopped the kubelet harness');
  if (fs.existsSync(STATE_FILE)) cleanupHarness();
  await stopControlPlane(log);
  removeBridge();
  fs.rmSync(LAB_DIR, { recursive: true, force: true });
  log(`removed ${LAB_DIR}`);
}

interface PodRecord {
  namespace: string;
  name: string;
  node: string;
  ip: string;
  hostInterface: string | null;
}

function status(args: string[]): void {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
  const state = readState();
  const pods = fs.existsSync(PODS_FILE)
    ? (JSON.parse(fs.readFileSync(PODS_FILE, 'utf8')) as PodRecord[])
    : [];
  const nodes = (state?.nodes ?? []).map(({ name, netns, internalIP, cni }) => ({
    name,
    netns,
    internalIP,
    cni,
  }));
  const podList = pods.map(({ namespace, name, node, ip, hostInterface }) => ({
    namespace,
    name,
    node,
    ip,
    hostInterface,
  }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ nodes, pods: podList })}\n`);
    return;
  }
  if (!state) {
    process.stdout.write('lab: down\n');
    return;
  }
  for (const name of [...CONTROL_PLANE, 'kubelet'])
    process.stdout.write(`${name.padEnd(24)} ${runningPid(LAB_DIR, name) ? 'running' : 'NOT RUNNING'}\n`);
  process.stdout.write(`KUBECONFIG=${state.kubeconfig}\nKUBECTL=${state.kubectl}\n\n`);
  for (const n of nodes)
    process.stdout.write(
      `${n.name.padEnd(14)} ${n.internalIP.padEnd(16)} ${n.cni.padEnd(8)} netns ${n.netns}\n`,
    );
  process.stdout.write('\n');
  for (const p of podList)
    process.stdout.write(
      `${`${p.namespace}/${p.name}`.padEnd(40)} ${p.node.padEnd(14)} ${p.ip.padEnd(16)} ${p.hostInterface ?? '-'}\n`,
    );
}

async function restart(args: string[]): Promise<void> {
  requireRoot();
  const state = readState();
  if (!state) throw new Error('the lab is not up: run `npm run lab -- up`');
  const which = args[0];
  if (which === 'kubelet') {
    await stopHarness();
    await startHarness(log);
    return;
  }
  if (!CONTROL_PLANE.includes(which as ControlPlaneComponent)) throw new Error(`restart what?\n${USAGE}`);
  await restartComponent(which as ControlPlaneComponent, state.binDir, preparePki(), log);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'up') await up(rest);
  else if (command === 'down') await down();
  else if (command === 'status') status(rest);
  else if (command === 'restart') await restart(rest);
  else {
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = command === undefined || command === '--help' ? 0 : 1;
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`lab: ${error.message}\n`);
  process.exitCode = 1;
});
