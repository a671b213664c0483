import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawFramesViaTshark } from '../helpers/peers.js';
import { CLI, SYSTEM_PYTHON, sh, start, tempDir } from '../helpers/run.js';

/** The broker's policy stages on a capture file, read back by tshark (the "sanitize" use case). */
const dir = tempDir('ct-policy');
const input = path.join(dir, 'traffic.pcap');

beforeAll(() => {
  sh(SYSTEM_PYTHON, [path.join(import.meta.dirname, 'fixtures/policy-traffic.py'), input]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function capture(args: string[]) {
  const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}.pcapng`);
  const run = start(process.execPath, [CLI, 'capture', '-r', input, '-w', out, '--stats', '-q', ...args]);
  const code = await run.exited;
  return { code, out, stderr: run.stderr(), stats: code === 0 ? JSON.parse(run.stdout()) : undefined };
}

function fields(file: string, ...names: string[]): string[][] {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=|', ...names.flatMap((n) => ['-e', n])];
  return sh('tshark', args)
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('|'));
}

describe('clustertap capture -r with a policy', () => {
  it('-f keeps what libpcap keeps; the stage counters account for every packet', async () => {
    const { code, out, stats } = await capture(['-f', 'udp port 7000']);
    expect(code).toBe(0);
    expect(stats.stages).toEqual([{ stage: 'filter', in: 80, out: 40, modified: 0 }]);
    expect(stats.droppedByPolicy).toBe(40);
    expect(stats.written).toBe(40);
    const reference = path.join(dir, 'reference.pcap');
    sh('tcpdump', ['-r', input, '-w', reference, 'udp port 7000']);
    expect(rawFramesViaTshark(out).map((f) => f.hex)).toEqual(
      rawFramesViaTshark(reference).map((f) => f.hex),
    );
  });

  it('--dedup drops the routed second copy, and only that', async () => {
    const { out, stats } = await capture(['--dedup']);
    expect(stats.stages).toEqual([{ stage: 'dedup', in: 80, out: 60, modified: 0 }]);
    const ttls = fields(out, 'ip.ttl', 'udp.port').filter(([, port]) => port !== '');
    expect(ttls.map(([ttl]) => ttl)).toEqual(Array(20).fill('64'));
  });

  it('--slice keeps N bytes and the original length, so Wireshark says the packet was cut', async () => {
    const { out } = await capture(['--slice', '64']);
    const lengths = fields(out, 'frame.len', 'frame.cap_len');
    expect(lengths.filter(([len]) => Number(len) > 64).every(([, cap]) => cap === '64')).toBe(true);
    expect(lengths.some(([len]) => len === '1257')).toBe(true);
    expect(sh('tshark', ['-r', out, '-V', '-c', '3'])).toMatch(/Packet size limited during capture/);
  });

  it('--mask and --mask-range change only the masked bytes; the file still dissects', async () => {
    const { out, stats } = await capture([
      '--mask',
      'password=\\S+',
      '--mask-range',
      'tcp-payload:0:3',
      '--dedup',
    ]);
    expect(stats.stages.map((s: { stage: string }) => s.stage)).toEqual(['dedup', 'mask']);
    const payloads = fields(out, 'udp.payload').flat().filter(Boolean);
    expect(payloads).toHaveLength(20);
    for (const [i, hex] of payloads.entries()) {
      const text = Buffer.from(hex, 'hex').toString('latin1');
      expect(text).toBe(`user=alice ${'*'.repeat(`password=hunter${i}`.length)} seq=${i}`);
    }
    // UDP/IP headers untouched: lengths still agree, tshark reports no malformed packets.
    expect(sh('tshark', ['-r', out, '-Y', '_ws.malformed'])).toBe('');
    const tls = fields(out, 'tcp.payload')
      .flat()
      .filter((hex) => hex.length > 100);
    expect(tls.every((hex) => hex.startsWith('2a2a2a00'))).toBe(true);
  });

  it('--sample 1:4 keeps every 4th packet and notes the rate on each', async () => {
    const { out, stats } = await capture(['--sample', '1:4']);
    expect(stats.stages).toEqual([{ stage: 'sample', in: 80, out: 20, modified: 0 }]);
    expect(fields(out, 'frame.comment').map(([c]) => c)).toEqual(Array(20).fill('sampled every 1:4'));
  });

  it('--policy FILE (YAML) does the same as the flags, and flags override it', async () => {
    const policy = path.join(dir, 'sanitize.yaml');
    fs.writeFileSync(
      policy,
      'version: 1\nfilter: udp\ndedup: {windowMs: 5}\nslice: 200\nmask:\n  regex: ["password=\\\\S+"]\n',
    );
    const fromFile = await capture(['--policy', policy]);
    const fromFlags = await capture([
      '-f',
      'udp',
      '--dedup',
      '5',
      '--slice',
      '200',
      '--mask',
      'password=\\S+',
    ]);
    expect(rawFramesViaTshark(fromFile.out).map((f) => f.hex)).toEqual(
      rawFramesViaTshark(fromFlags.out).map((f) => f.hex),
    );
    const overridden = await capture(['--policy', policy, '-f', 'tcp']);
    expect(overridden.stats.stages[0]).toEqual({ stage: 'filter', in: 80, out: 40, modified: 0 });
  });

  it("a bad filter or policy is one line saying what is wrong (libpcap's words for filters), exit 1", async () => {
    const badFilter = await capture(['-f', 'udp and (']);
    expect(badFilter.code).toBe(1);
    expect(badFilter.stderr.trim()).toBe(
      'clustertap: -f "udp and (": can\'t parse filter expression: syntax error',
    );
    const policy = path.join(dir, 'bad.yaml');
    fs.writeFileSync(policy, 'version: 1\nslice: -5\n');
    const badPolicy = await capture(['--policy', policy]);
    expect(badPolicy.code).toBe(1);
    expect(badPolicy.stderr.trim()).toMatch(/^clustertap: .*bad\.yaml: slice: Too small/);
  });
});
