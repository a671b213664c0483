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
import { startHealthServer } from './health-server.js';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

function loadConfig(file: string): SessionConfig {
  const parsed = SessionConfigSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/**
 * The tap agent. This first part joins the session: it validates the session config, proves its
 * service-account credentials by reading the session Lease, and reports Ready. Mirroring
 * (tc + tunnels), per-node status and the dead-man switch build on it (issue 5).
 */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', default: `${SESSION_CONFIG_DIR}/${SESSION_CONFIG_KEY}` } },
  });
  const config = loadConfig(values.config as string);
  const node = process.env.NODE_NAME ?? 'unknown-node';
  const namespace =
    process.env.POD_NAMESPACE ??
    fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
  const health = await startHealthServer(config.healthPort);
  log(
    `session ${config.sessionId} on ${node}: collector ${config.collector.address}:${config.collector.port} via ${config.transport}`,
  );

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromCluster();
  const stop = new AbortController();
  const stopped = new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      process.once(signal, () => {
        log(`${signal}: leaving the session`);
        stop.abort();
        resolve();
      });
  });

  // Ready once the API answers with our own credentials; until then say why not.
  while (!stop.signal.aborted) {
    try {
      await apiRequest(kubeConfig, {
        method: 'GET',
        path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${config.lease.name}`,
        doing: 'read the session Lease',
        signal: stop.signal,
      });
      health.setReady(true, 'ready');
      log('session Lease readable: ready');
      break;
    } catch (error) {
      health.setReady(false, (error as Error).message);
      log(`not ready: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  await stopped;
  await health.close();
  return 0;
}
