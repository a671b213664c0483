// What the results depend on: the machine, and whether its CPUs are really independent cores.
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { readSysctl } from './lab.js';

function firstLine(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split(
      '\n',
    )[0];
  } catch (error) {
    return String(error.stdout || error.message).split('\n')[0];
  }
}

/** The code measured: where, which commit, and whether its main/ had uncommitted changes. */
export function describeCode(repo) {
  try {
    const git = (...args) =>
      execFileSync('git', ['-C', repo, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    return {
      path: repo,
      commit: git('rev-parse', '--short', 'HEAD'),
      subject: git('log', '-1', '--format=%s'),
      mainDirty: git('status', '--porcelain', '--', 'main') !== '',
    };
  } catch {
    return { path: repo, commit: null };
  }
}

export function describeMachine() {
  return {
    host: os.hostname(),
    cpuModel: os.cpus()[0]?.model,
    cpus: os.cpus().length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    kernel: `${os.type()} ${os.release()}`,
    virtualization: firstLine('systemd-detect-virt', []) || 'unknown',
    node: process.version,
    tcpdump: firstLine('tcpdump', ['--version']),
    gcc: firstLine('gcc', ['--version']),
    rmemMaxDuringRun: Number(readSysctl('net.core.rmem_max')),
  };
}

/** Spins for 1.5 s of wall time on one CPU; resolves with the share of it the process got to run. */
function spinShare(cpu) {
  const script =
    'const t=performance.now(),c=process.cpuUsage();while(performance.now()-t<1500);' +
    'const u=process.cpuUsage(c);console.log((u.user+u.system)/1e3/(performance.now()-t))';
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', String(cpu), process.execPath, '-e', script]);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', () => resolve(Number(Number(out).toFixed(2))));
  });
}

/**
 * A virtual machine's vCPUs may share physical cores: then the generator and the receiver, pinned
 * to "different CPUs", still take time from each other, and every figure of the run is lower than
 * on two real cores. Measured, not assumed: one spinner alone, then one on each of CPU 0 and 1.
 */
export async function measureCpuSharing() {
  const alone = await spinShare(1);
  const together = await Promise.all([spinShare(0), spinShare(1)]);
  return { alone, together };
}
