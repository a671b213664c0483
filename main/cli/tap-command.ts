import os from 'node:os';
import { Command } from 'commander';
import { UsageError } from '../broker/allow-list.js';
import { CaptureSession } from '../broker/capture-session.js';
import { TunnelMap } from '../broker/tunnel-map.js';
import { localAddressTowardApiServer } from '../kube/collector-address.js';
import { type Deployment, deploySession } from '../kube/deploy/deployer.js';
import { keepLease } from '../kube/deploy/lease-keeper.js';
import { labelsFromStatus, watchNodeStatus } from '../kube/deploy/node-status-watch.js';
import type { TapSession } from '../kube/deploy/session.js';
import { teardownSession } from '../kube/deploy/teardown.js';
import { TransportControl } from '../kube/deploy/transport-control.js';
import { TunnelProbeWatch } from '../kube/deploy/tunnel-probe-watch.js';
import { kubeconfigSource, loadKubeconfig } from '../kube/kubeconfig/index.js';
import {
  type CaptureFlags,
  captureOptionsFrom,
  checkWritable,
  summary,
  withCaptureOptions,
} from './capture-command.js';
import { formatNode } from './deploy-command.js';
import { type SessionFlags, sessionFromFlags, withSessionOptions } from './session-flags.js';

type TapFlags = CaptureFlags & SessionFlags & { keep: boolean; timeout: string };

export function tapCommand(version: string): Command {
  const command = new Command('tap').description(
    'Tap pods: deploy (or reuse) the agents, capture their mirrored traffic as pod-labelled pcapng, and undeploy on exit.',
  );
  return withCaptureOptions(withSessionOptions(command, false, true))
    .option('--keep', 'leave the agents deployed on exit (remove later with clustertap undeploy)', false)
    .option('--timeout <SECONDS>', 'how long agents may take to become Ready', '120')
    .action(async (flags: TapFlags) => {
      process.exitCode = await runTap(flags, version);
    });
}

async function runTap(flags: TapFlags, version: string): Promise<number> {
  if (flags.read !== undefined)
    throw new UsageError('tap captures live traffic; to read a file use clustertap capture -r');
  const { autoTransport, ...partial } = sessionFromFlags(flags, true);
  // The capture filter runs on the nodes too (compiled into the tc filter): non-matching packets stay there.
  const filter = flags.filter ?? partial.filter;
  const loaded = loadKubeconfig(kubeconfigSource(flags));
  const tunnelMap = new TunnelMap();
  const captureFlags = { ...flags, gre: flags.gre || flags.transport === 'gre' };
  const { stopAfter, ...rest } = captureOptionsFrom(captureFlags, version);
  // Duration counts from the moment pods are tapped, not from before the deploy.
  const options = { ...rest, tunnelMap, stopAfter: { ...stopAfter, durationSeconds: undefined } };
  if (options.writeFile !== '-' && options.rotation === undefined) checkWritable(options.writeFile);
  const say = (line: string) => {
    if (!flags.quiet) process.stderr.write(`${line}\n`);
  };

  const probes = new TunnelProbeWatch();
  const capture = new CaptureSession({ ...options, onTunnelProbe: (peer) => probes.probeArrived(peer) });
  await capture.start();
  say(`Capturing on ${capture.listening.map((l) => `'${l}'`).join(', ')}`);
  if (options.writeFile !== '-') say(`File: ${capture.writer.currentPath}`);
  const listenPort = options.vxlan[0]?.port ?? 4789;
  const collector = partial.collector ?? {
    address: await localAddressTowardApiServer(loaded.kubeConfig),
    port: listenPort,
  };
  const session: TapSession = { ...partial, collector, ...(filter ? { filter } : {}) };
  const holder = `clustertap@${os.hostname()}`;
  const onSignal = () => capture.stop('signal');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Watch the agents' tunnel mapping before they exist: they mirror as soon as they run,
  // and a tunnel whose label we already hold gets its pod's name from its first packet.
  let lastTaps = -1;
  const statusWatch = watchNodeStatus(loaded.kubeConfig, session.id, (statuses) => {
    tunnelMap.replace(labelsFromStatus(statuses));
    probes.observe(statuses);
    const taps = statuses.reduce((n, s) => n + s.taps.length, 0);
    if (taps !== lastTaps) say(`Mirroring ${taps} pod interfaces/directions on ${statuses.length} nodes`);
    lastTaps = taps;
    for (const s of statuses)
      for (const p of s.problems) say(`  ! ${s.node}: ${p.pod ? `${p.pod}: ` : ''}${p.message}`);
  });
  say(
    `Tapping through context ${loaded.context}: session ${session.id}, tunnels to ${collector.address}:${collector.port}`,
  );
  let deployment: Deployment;
  try {
    deployment = await deploySession(loaded.kubeConfig, {
      session,
      holder,
      timeoutMs: Number(flags.timeout) * 1000,
      onEvent: (e) => {
        if (e.type === 'nodes') for (const n of e.nodes) say(formatNode(n));
        else say(e.type === 'retry' ? `  ! ${e.message}` : `• ${e.message}`);
      },
    });
  } catch (error) {
    statusWatch.stop();
    capture.stop('stopped');
    await capture.done();
    throw error;
  }
  const keeper = keepLease(loaded.kubeConfig, session, holder, (e) =>
    say(`  ! lease renewal failed: ${e.message}`),
  );
  const transport = new TransportControl(
    loaded.kubeConfig,
    deployment.config,
    session.streamToken ?? '',
    (nodeIP, r) =>
      capture.ingestStreamFrame(nodeIP, r.tunnelId, r.frame, r.originalLength, r.seconds, r.nanoseconds),
    probes,
    { say },
  );
  if (session.transport === 'api') transport.streamThroughApi('you chose --transport api');
  else if (autoTransport) transport.fallBackWhenProbesFail();
  const duration = stopAfter.durationSeconds;
  const timer =
    duration === undefined ? undefined : setTimeout(() => capture.stop('duration'), duration * 1000);

  const stats = await capture.done();
  clearTimeout(timer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  keeper.stop();
  transport.stop();
  statusWatch.stop();
  say(summary(stats));
  if (flags.keep)
    say(
      `agents kept (mirroring stops within ${session.leaseTtlSeconds} s): clustertap undeploy --session ${session.id}`,
    );
  else {
    say(`removing session ${session.id}`);
    await teardownSession(loaded.kubeConfig, session.id, (line) => say(`  ${line}`));
    say(`session ${session.id}: nothing left`);
  }
  return 0;
}
