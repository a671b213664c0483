// The benchmark's network: two namespaces joined by one veth pair, plus the host settings the
// run changes (and must put back). Everything here is synchronous so it can also run from an
// exit or signal handler.
//
//   ctbench-tx (generator, CPU 0)                      ctbench-rx (collector, CPU 1)
//   ctbench-tx0 198.18.0.1/30  ── veth, MTU 9000 ──  ctbench-rx0 198.18.0.2/30, UDP 4789
//
// 198.18.0.0/15 is the range RFC 2544 sets aside for benchmarks: it cannot collide with a real
// network, and no traffic leaves the two namespaces.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const TX_NS = 'ctbench-tx';
export const RX_NS = 'ctbench-rx';
export const TX_DEV = 'ctbench-tx0';
export const RX_DEV = 'ctbench-rx0';
export const TX_ADDR = '198.18.0.1';
export const RX_ADDR = '198.18.0.2';
const MTU = 9000;

/**
 * The broker asks for a 32 MiB receive buffer (vxlan-listener.ts); the kernel grants at most
 * net.core.rmem_max, which is often 208 KiB–4 MiB. Raising only the maximum gives the broker and
 * the probes what they ask for without enlarging every other socket's default (rmem_default):
 * every receiver here sets SO_RCVBUF itself, and tcpdump's ring is sized by -B, not by rmem.
 */
const SYSCTLS = { 'net.core.rmem_max': String(32 << 20) };

const run = (command, args) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const ip = (...args) => run('ip', args);
const inNs = (ns, command, ...args) => run('ip', ['netns', 'exec', ns, command, ...args]);

/** Creates the namespaces; `restoreFile` remembers the original sysctls across a crash. */
export class Lab {
  constructor({ restoreFile }) {
    this.restoreFile = restoreFile;
    this.up = false;
  }

  setUp() {
    this.lock();
    this.restoreLeftovers();
    this.up = true;
    for (const ns of [TX_NS, RX_NS]) ip('netns', 'add', ns);
    ip('link', 'add', TX_DEV, 'mtu', String(MTU), 'type', 'veth', 'peer', 'name', RX_DEV, 'mtu', String(MTU));
    this.configureEnd(TX_NS, TX_DEV, `${TX_ADDR}/30`);
    this.configureEnd(RX_NS, RX_DEV, `${RX_ADDR}/30`);
    // Permanent neighbour entries: no ARP in the captures and no queueing behind resolution.
    this.pinNeighbour(TX_NS, TX_DEV, RX_ADDR, this.macOf(RX_NS, RX_DEV));
    this.pinNeighbour(RX_NS, RX_DEV, TX_ADDR, this.macOf(TX_NS, TX_DEV));
    // The generator hands the kernel 32 datagrams per UDP GSO send; with segmentation "offload"
    // off on the veth they are cut into ordinary datagrams before it, as a NIC would put them
    // on the wire, so both receivers (and tcpdump) see one packet per datagram.
    inNs(TX_NS, 'ethtool', '-K', TX_DEV, 'tx-udp-segmentation', 'off');
    this.raiseSysctls();
  }

  configureEnd(ns, dev, cidr) {
    ip('link', 'set', dev, 'netns', ns);
    // IPv6 off: no router solicitations or MLD reports on the link during a trial.
    inNs(ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    ip('-n', ns, 'addr', 'add', cidr, 'dev', dev);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'link', 'set', dev, 'up');
  }

  macOf(ns, dev) {
    return JSON.parse(ip('-n', ns, '-j', 'link', 'show', dev))[0].address;
  }

  pinNeighbour(ns, dev, address, mac) {
    ip('-n', ns, 'neigh', 'replace', address, 'lladdr', mac, 'dev', dev, 'nud', 'permanent');
  }

  raiseSysctls() {
    const original = Object.fromEntries(Object.keys(SYSCTLS).map((key) => [key, readSysctl(key)]));
    fs.mkdirSync(path.dirname(this.restoreFile), { recursive: true });
    fs.writeFileSync(this.restoreFile, JSON.stringify(original));
    for (const [key, value] of Object.entries(SYSCTLS))
      if (Number(original[key]) < Number(value)) writeSysctl(key, value);
  }

  /** One benchmark at a time: a second run would tear down the first one's namespaces. */
  lock() {
    this.lockFile = path.join(path.dirname(this.restoreFile), 'lab.pid');
    const other = fs.existsSync(this.lockFile) ? Number(fs.readFileSync(this.lockFile, 'utf8')) : 0;
    if (other && other !== process.pid && isAlive(other))
      throw new Error(`another benchmark (pid ${other}) is using ${TX_NS}/${RX_NS}`);
    fs.mkdirSync(path.dirname(this.lockFile), { recursive: true });
    fs.writeFileSync(this.lockFile, String(process.pid));
  }

  /** A run killed with SIGKILL leaves namespaces and raised sysctls behind: undo them first. */
  restoreLeftovers() {
    // A veth end still in this namespace: the run died between creating and moving it.
    if (ip('-o', 'link', 'show').includes(`${TX_DEV}@`)) ip('link', 'del', TX_DEV);
    const existing = ip('netns', 'list');
    for (const ns of [TX_NS, RX_NS]) {
      if (new RegExp(`^${ns}\\b`, 'm').test(existing)) {
        process.stderr.write(`removing namespace ${ns} left over from an earlier run\n`);
        ip('netns', 'del', ns);
      }
    }
    this.restoreSysctls();
  }

  restoreSysctls() {
    if (!fs.existsSync(this.restoreFile)) return;
    const original = JSON.parse(fs.readFileSync(this.restoreFile, 'utf8'));
    for (const [key, value] of Object.entries(original)) writeSysctl(key, value);
    fs.rmSync(this.restoreFile);
  }

  /** Idempotent; safe from signal and exit handlers. Deleting a namespace deletes its veth end. */
  tearDown() {
    if (!this.up) return;
    this.up = false;
    for (const ns of [TX_NS, RX_NS]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    this.restoreSysctls();
    fs.rmSync(this.lockFile, { force: true });
  }

  /** Per-CPU backlog drops (/proc/net/softnet_stat column 2): packets lost before any socket. */
  static softnetDrops() {
    return fs
      .readFileSync('/proc/net/softnet_stat', 'utf8')
      .trim()
      .split('\n')
      .reduce((sum, line) => sum + Number.parseInt(line.split(/\s+/)[1], 16), 0);
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

export function readSysctl(key) {
  return fs.readFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8').trim();
}

function writeSysctl(key, value) {
  fs.writeFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, String(value));
}
