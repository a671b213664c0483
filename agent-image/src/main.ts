import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { apiRequest } from '../../main/kube/api-client.js';
import {
  SESSION_CONFIG_DIR,
  SESSION_CONFIG_KEY,
  type SessionConfig,
  SessionConfigSchema,
} from '../../main/kube/deploy/session-config.js';
import { loadPcapBinding, type PcapBinding } from './api-transport/pcap-binding.js';
import { StreamHub } from './api-transport/stream-hub.js';
import { UserSpaceTapEngine } from './api-transport/user-space-engine.js';
import { removeDeadSessions } from './dead-sessions.js';
import { startHealthServer } from './health-server.js';
import { TapAgent } from './tap-agent.js';
import { createTapEngine, defaultExec, type Tap, type TapEngine } from './tap-engine/index.js';
import { TunnelProbeSender } from './tunnel-probe-sender.js';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

function loadConfig(file: string): SessionConfig {
  const parsed = SessionConfigSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (the DaemonSet's env gives it)`);
  return value;
}

const DEAD_SESSION_SWEEP_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The tap agent: joins its session (config, service-account credentials), cleans up what an
 * earlier run left, then mirrors the selected pods of its node into tunnels until SIGTERM,
 * which removes every mirror, filter and device of ours.
 */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', default: `${SESSION_CONFIG_DIR}/${SESSION_CONFIG_KEY}` } },
  });
  const config = loadConfig(values.config as string);
  const node = required('NODE_NAME');
  const nodeIP = required('NODE_IP');
  const namespace = required('POD_NAMESPACE');
  // The stream token (a Secret of the session) guards the api transport's endpoint on the node.
  const hub = new StreamHub(process.env.STREAM_TOKEN || undefined, log);
  const health = await startHealthServer(config.healthPort, '0.0.0.0', (req, res) => hub.handle(req, res));
  log(
    config.transport === 'api'
      ? `session ${config.sessionId} on ${node} (${nodeIP}): api transport (stream on port ${config.healthPort})`
      : `session ${config.sessionId} on ${node} (${nodeIP}): ${config.transport} to ${config.collector.address}:${config.collector.port}`,
  );
  let pcap: PcapBinding | undefined;
  try {
    pcap = loadPcapBinding();
  } catch (error) {
    log(`${(error as Error).message}: no tunnel probes, no api transport`);
  }
  const kernelEngine = (
    c: SessionConfig,
    transport: 'vxlan' | 'gre',
    announce?: (upcoming: Tap[]) => Promise<void>,
  ) =>
    createTapEngine({
      ...(announce && { announce }),
      sessionId: c.sessionId,
      nodeName: node,
      nodeIP,
      collector: c.collector,
      transport,
      tunnelIdBase: c.tunnelIdBase,
      ...(c.filter ? { filter: c.filter } : {}),
    });
  const engine = (c: SessionConfig, announce: (upcoming: Tap[]) => Promise<void>): TapEngine => {
    if (c.transport !== 'api') return kernelEngine(c, c.transport, announce);
    if (!pcap) throw new Error('the api transport needs the libpcap binding, which this image lacks');
    return new UserSpaceTapEngine({
      sessionId: c.sessionId,
      nodeName: node,
      tunnelIdBase: c.tunnelIdBase,
      ...(c.filter ? { filter: c.filter } : {}),
      pcap,
      hub,
      announce,
      cleanupKernelLeftovers: () => kernelEngine(c, 'vxlan').cleanupLeftovers(),
    });
  };

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromCluster();
  const stop = new AbortController();
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      process.once(signal, () => {
        stop.abort();
        resolve(signal);
      });
  });

  // The API must answer with our own credentials before we touch the node.
  while (!stop.signal.aborted) {
    try {
      await apiRequest(kubeConfig, {
        method: 'GET',
        path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${config.lease.name}`,
        doing: 'read the session Lease',
        signal: stop.signal,
      });
      break;
    } catch (error) {
      health.setReady(false, (error as Error).message);
      log(`not ready: ${(error as Error).message}`);
      await sleep(1000);
    }
  }
  const agent = new TapAgent({
    kubeConfig,
    config,
    node,
    nodeIP,
    namespace,
    log,
    engine,
    streamDropped: () => hub.dropped,
    ...(pcap && {
      probe: new TunnelProbeSender(
        (device, frame) => pcap.inject(device, frame),
        config.sessionId,
        node,
        log,
      ),
    }),
  });
  let sweeper: NodeJS.Timeout | undefined;
  if (!stop.signal.aborted) {
    await agent.start();
    health.setReady(true, 'ready');
    log('mirroring the selected pods of this node');
    // Other sessions' mirrors whose agent is gone for good: nobody else can remove them.
    const sweep = () =>
      removeDeadSessions({ exec: defaultExec(), ownSession: config.sessionId, log }).catch((error: Error) =>
        log(`looking for dead sessions' leftovers: ${error.message}`),
      );
    void sweep();
    sweeper = setInterval(sweep, DEAD_SESSION_SWEEP_MS);
  }
  const signal = await stopped;
  clearInterval(sweeper);
  log(`${signal}: removing every mirror, filter and device of this session`);
  await agent.stop();
  hub.close();
  await health.close();
  log('clean');
  return 0;
}
