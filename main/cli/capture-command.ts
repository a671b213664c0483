import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { UsageError } from '../broker/allow-list.js';
import { type CaptureOptions, CaptureSession } from '../broker/capture-session.js';
import type { CaptureStats } from '../broker/capture-stats.js';
import { createFilterStage } from '../broker/pipeline/filter-stage.js';
import { DEFAULT_VXLAN_PORT, parseListenAddress } from '../broker/sources/listen-address.js';
import { TunnelMap } from '../broker/tunnel-map.js';
import { loadPolicyFile } from '../policy/load-policy.js';
import { applyPolicyFlags } from '../policy/policy-flags.js';
import type { Policy } from '../policy/policy-schema.js';
import { parseConditions, positiveInteger } from './conditions.js';
import { ProgressLine } from './progress-line.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function captureCommand(version: string): Command {
  return withCaptureOptions(
    new Command('capture').description(
      'Terminate VXLAN/GRE tunnels (or read a pcap/pcapng file) and write the inner frames as pcapng — dumpcap for tunnels.',
    ),
  ).action(async (flags: CaptureFlags) => {
    process.exitCode = await runCapture(flags, version);
  });
}

/** The capture flags (`tap` takes them too: same names, same meaning). */
export function withCaptureOptions(command: Command): Command {
  return command
    .option(
      '--vxlan <[ADDR:]PORT>',
      `terminate VXLAN on this UDP address (repeatable; default 0.0.0.0:${DEFAULT_VXLAN_PORT})`,
      collect,
      [],
    )
    .option('--no-vxlan', 'do not listen for VXLAN (with --gre: GRE only)')
    .option('--gre', 'also terminate GRE (L2GRE 0x6558, IPv4/IPv6 payloads; needs CAP_NET_RAW)', false)
    .option(
      '-r, --read <FILE>',
      "read pcap or pcapng instead of tunnels ('-' = stdin); tunnel packets in it are decapsulated",
    )
    .option('--no-decap', 'with -r: pass every packet through unchanged instead of opening tunnels')
    .option(
      '-w, --write <FILE>',
      "write pcapng here ('-' = stdout, e.g. | wireshark -k -i -); default: a temporary file",
    )
    .option('-c, --count <N>', 'stop after writing N packets')
    .addOption(
      new Option(
        '-a, --autostop <COND>',
        'stop on duration:SECONDS, filesize:KB, files:N or packets:N (repeatable)',
      )
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option(
        '-b, --ring-buffer <COND>',
        'rotate files on filesize:KB or duration:SECONDS; keep files:N (repeatable)',
      )
        .argParser(collect)
        .default([]),
    )
    .option(
      '--allow-peer <CIDR>',
      'accept tunnels only from these peers (repeatable; default: any)',
      collect,
      [],
    )
    .option(
      '--vni <LIST>',
      'accept only these tunnel IDs (VNI or GRE key), e.g. 100,200-299 (repeatable; default: any)',
      collect,
      [],
    )
    .option(
      '--tunnel-map <FILE>',
      'JSON array of {tunnelId, peer?, name, description?, direction?} naming each tunnel interface',
    )
    .option(
      '--policy <FILE>',
      'capture policy (JSON or YAML; schema: main/policy/policy.schema.json); the flags below override its parts',
    )
    .option('-f, --filter <EXPR>', 'capture filter in tcpdump/libpcap syntax, on the inner frame')
    .option(
      '--dedup [MS]',
      'drop the second sighting of a frame within MS ms (default 10), ignoring TTL/hop limit and IP checksum',
    )
    .option('--sample <1:N>', 'keep every Nth packet (1:N) or each with probability 1/N (random:1:N)')
    .option('--sample-rate <PPS>', 'keep at most PPS packets per second')
    .option(
      '--slice <N>',
      'keep the first N bytes of each frame (original length preserved, like editcap -s)',
    )
    .option(
      '--mask <REGEX>',
      'overwrite every match in TCP/UDP payloads with fill bytes of the same length (repeatable)',
      collect,
      [],
    )
    .option(
      '--mask-range <ANCHOR:OFFSET:LEN>',
      'overwrite a fixed range, e.g. udp-payload:0:16 (repeatable)',
      collect,
      [],
    )
    .option(
      '--ipfix <HOST:PORT>',
      'export flows as IPFIX (RFC 7011) over UDP to this collector (repeatable)',
      collect,
      [],
    )
    .option(
      '--netflow9 <HOST:PORT>',
      'export flows as NetFlow v9 (RFC 3954) over UDP to this collector (repeatable)',
      collect,
      [],
    )
    .option(
      '--forward <URL>',
      're-send the processed stream: vxlan://HOST:PORT?vni=N, gre://HOST?key=K, pcap-over-ip://HOST:PORT; &filter=EXPR for its own filter (repeatable)',
      collect,
      [],
    )
    .option('--stats', 'print the counters of every stage as JSON when the capture ends', false)
    .option('-q, --quiet', 'no progress or summary on stderr', false);
}

export interface CaptureFlags {
  vxlan: string[] | false;
  gre: boolean;
  read?: string;
  decap: boolean;
  write?: string;
  count?: string;
  autostop: string[];
  ringBuffer: string[];
  allowPeer: string[];
  vni: string[];
  tunnelMap?: string;
  stats: boolean;
  quiet: boolean;
  policy?: string;
  filter?: string;
  dedup?: string | boolean;
  sample?: string;
  sampleRate?: string;
  slice?: string;
  mask: string[];
  maskRange: string[];
  ipfix: string[];
  netflow9: string[];
  forward: string[];
}

export function captureOptionsFrom(flags: CaptureFlags, version: string): CaptureOptions {
  const autostop = parseConditions('-a', flags.autostop, ['duration', 'filesize', 'files', 'packets']);
  const ring = parseConditions('-b', flags.ringBuffer, ['filesize', 'duration', 'files']);
  const vxlanFlags =
    flags.vxlan === false ? [] : flags.vxlan.length > 0 ? flags.vxlan : [`0.0.0.0:${DEFAULT_VXLAN_PORT}`];
  if (vxlanFlags.length === 0 && !flags.gre && flags.read === undefined)
    throw new UsageError('nothing to capture: --no-vxlan needs --gre or -r FILE');
  const writeFile = flags.write ?? temporaryCaptureFile();
  if (writeFile === '-' && process.stdout.isTTY)
    throw new UsageError(
      '-w -: standard output is a terminal; pipe it (| wireshark -k -i -) or give -w FILE',
    );
  if (ring.size > 0 && writeFile === '-')
    throw new UsageError('-b needs -w FILE: standard output cannot be rotated');
  if (ring.size > 0 && !ring.has('filesize') && !ring.has('duration'))
    throw new UsageError('-b files:N needs -b filesize:KB or -b duration:SECONDS to say when to rotate');
  const packets = flags.count !== undefined ? positiveInteger('-c', flags.count) : autostop.get('packets');
  const policy = policyFrom(flags);
  return {
    vxlan: vxlanFlags.map(parseListenAddress),
    gre: flags.gre,
    ...(flags.read !== undefined && { readFile: flags.read }),
    decapsulate: flags.decap,
    writeFile,
    ...(ring.size > 0 && {
      rotation: {
        ...(ring.has('filesize') && { fileSizeKB: ring.get('filesize') }),
        ...(ring.has('duration') && { durationSeconds: ring.get('duration') }),
        ...(ring.has('files') && { files: ring.get('files') }),
      },
    }),
    stopAfter: {
      ...(packets !== undefined && { packets }),
      ...(autostop.has('duration') && { durationSeconds: autostop.get('duration') }),
      ...(autostop.has('filesize') && { fileSizeKB: autostop.get('filesize') }),
      ...(autostop.has('files') && { files: autostop.get('files') }),
    },
    allowPeers: flags.allowPeer,
    tunnelIds: flags.vni,
    ...(flags.tunnelMap !== undefined && { tunnelMap: TunnelMap.load(flags.tunnelMap) }),
    policy,
    ...(policy.filter !== undefined && { extraStages: [createFilterStage(policy.filter)] }),
    application: `ClusterTap ${version}`,
  };
}

function policyFrom(flags: CaptureFlags): Policy {
  return applyPolicyFlags(flags.policy === undefined ? undefined : loadPolicyFile(flags.policy), {
    ...(flags.filter !== undefined && { filter: flags.filter }),
    ...(flags.dedup !== undefined && { dedup: flags.dedup }),
    ...(flags.sample !== undefined && { sample: flags.sample }),
    ...(flags.sampleRate !== undefined && { sampleRate: flags.sampleRate }),
    ...(flags.slice !== undefined && { slice: flags.slice }),
    mask: flags.mask,
    maskRange: flags.maskRange,
    ipfix: flags.ipfix,
    netflow9: flags.netflow9,
    forward: flags.forward,
  });
}

function temporaryCaptureFile(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return path.join(os.tmpdir(), `clustertap_${stamp}_${process.pid}.pcapng`);
}

async function runCapture(flags: CaptureFlags, version: string): Promise<number> {
  const options = captureOptionsFrom(flags, version);
  if (options.writeFile !== '-' && options.rotation === undefined) checkWritable(options.writeFile);
  const session = new CaptureSession(options);
  await session.start();
  const say = (line: string) => {
    if (!flags.quiet) process.stderr.write(`${line}\n`);
  };
  if (options.readFile === undefined)
    say(`Capturing on ${session.listening.map((l) => `'${l}'`).join(', ')}`);
  else say(`Reading ${options.readFile === '-' ? 'standard input' : options.readFile}`);
  if (options.writeFile !== '-') say(`File: ${session.writer.currentPath}`);
  if (options.readFile === undefined && options.allowPeers.length === 0)
    say('Accepting tunnels from any peer (restrict with --allow-peer CIDR).');

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`${signal} again: exiting without finishing the file\n`);
      process.exit(130);
    }
    session.stop('signal');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const progress = new ProgressLine(!flags.quiet && process.stderr.isTTY, () => progressText(session));

  const stats = await session.done();
  progress.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);

  if (session.readWarning) process.stderr.write(`clustertap capture: ${session.readWarning}\n`);
  say(summary(stats));
  if (flags.stats) {
    const json = `${JSON.stringify(stats, null, 2)}\n`;
    // stdout carries the capture with -w -, so the statistics go to stderr then.
    if (options.writeFile === '-') process.stderr.write(json);
    else process.stdout.write(json);
  }
  const error = session.outputError as NodeJS.ErrnoException | undefined;
  if (error && error.code !== 'EPIPE') {
    process.stderr.write(`clustertap capture: writing ${options.writeFile} failed: ${error.message}\n`);
    return 2;
  }
  // Input we could not read at all is an error; a damaged tail was reported and the rest kept.
  return session.readWarning && stats.received === 0 ? 2 : 0;
}

export function checkWritable(file: string): void {
  const directory = path.dirname(path.resolve(file));
  try {
    fs.accessSync(directory, fs.constants.W_OK);
  } catch {
    throw new UsageError(`-w ${file}: cannot write to ${directory} (missing or not writable)`);
  }
}

export function progressText(session: CaptureSession): string {
  const stats = session.stats();
  const file = session.readProgress();
  if (file?.size) return `Read ${Math.floor((100 * file.bytesRead) / file.size)}%  Packets: ${stats.written}`;
  return `Packets: ${stats.written}`;
}

export function summary(stats: CaptureStats): string {
  const lines = [
    `Packets written: ${stats.written} of ${stats.received} received (${stats.stopReason ?? 'stopped'})`,
  ];
  const errors =
    stats.decapErrors.truncated + stats.decapErrors.badFlags + stats.decapErrors.unknownEthertype;
  if (errors > 0)
    lines.push(
      `Decapsulation errors: ${errors} (truncated ${stats.decapErrors.truncated}, bad flags ${stats.decapErrors.badFlags}, unknown ethertype ${stats.decapErrors.unknownEthertype})`,
    );
  if (stats.tunnelProbes > 0)
    lines.push(`Tunnel probes of the agents (received, not written): ${stats.tunnelProbes}`);
  const refused = stats.notAllowed.peer + stats.notAllowed.tunnelId;
  if (refused > 0)
    lines.push(
      `Not allowed: ${refused} (peer ${stats.notAllowed.peer}, tunnel ID ${stats.notAllowed.tunnelId})`,
    );
  if (stats.kernelDrops > 0) lines.push(`Dropped by the kernel (receive buffer full): ${stats.kernelDrops}`);
  if (stats.writerDropped > 0)
    lines.push(`Dropped because the output could not keep up: ${stats.writerDropped}`);
  return lines.join('\n');
}
