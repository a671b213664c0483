import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawFramesViaTshark } from '../helpers/peers.js';
import { CLI, SYSTEM_PYTHON, sh, sleep, start, startCapture, tempDir } from '../helpers/run.js';

/**
 * Replication: one broker reads a file and forwards the processed stream; another broker (or a
 * PCAP-over-IP reader) receives it. What arrives must be, byte for byte, what the first wrote.
 */
const dir = tempDir('ct-forward');
const input = path.join(dir, 'traffic.pcap');
let nextPort = 46100 + (process.pid % 500);
const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('forward-cli gre://: cannot run here: needs root (raw GRE sockets, CAP_NET_RAW)');

beforeAll(() => sh(SYSTEM_PYTHON, [path.join(import.meta.dirname, 'fixtures/policy-traffic.py'), input]));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function sender(args: string[]) {
  const out = path.join(dir, `sent-${nextPort}.pcapng`);
  const run = start(process.execPath, [CLI, 'capture', '-r', input, '-w', out, '--stats', '-q', ...args]);
  expect(await run.exited).toBe(0);
  return { out, stats: JSON.parse(run.stdout()) };
}

const hex = (file: string) => rawFramesViaTshark(file).map((f) => f.hex);

describe('--forward', () => {
  it('vxlan://: a second broker receives exactly the processed stream, on the VNI asked for', async () => {
    const port = nextPort++;
    const received = path.join(dir, 'received-vxlan.pcapng');
    const receiver = await startCapture(['--vxlan', `127.0.0.1:${port}`, '-w', received, '--stats']);
    const { out, stats } = await sender(['--slice', '96', '--forward', `vxlan://127.0.0.1:${port}?vni=77`]);
    await sleep(300);
    receiver.child.kill('SIGINT');
    expect(await receiver.exited).toBe(0);
    expect(stats.forwards).toEqual([
      { url: `vxlan://127.0.0.1:${port}?vni=77`, forwarded: 80, filteredOut: 0, dropped: 0 },
    ]);
    expect(hex(received)).toEqual(hex(out));
    expect(JSON.parse(receiver.stdout()).interfaces.map((i: { name: string }) => i.name)).toEqual([
      'vxlan:127.0.0.1/vni=77',
    ]);
  });

  it('each target may have its own filter', async () => {
    const port = nextPort++;
    const received = path.join(dir, 'received-filtered.pcapng');
    const receiver = await startCapture(['--vxlan', `127.0.0.1:${port}`, '-w', received, '--stats']);
    const { stats } = await sender([
      '--forward',
      `vxlan://127.0.0.1:${port}?vni=1&filter=${encodeURIComponent('tcp port 80')}`,
    ]);
    await sleep(300);
    receiver.child.kill('SIGINT');
    await receiver.exited;
    expect(stats.forwards[0]).toMatchObject({ forwarded: 20, filteredOut: 60 });
    expect(stats.written).toBe(80); // the file still gets everything
    expect(JSON.parse(receiver.stdout()).written).toBe(20);
  });

  it('pcap-over-ip://: streams a classic pcap that tshark reads, same frames', async () => {
    const chunks: Buffer[] = [];
    const server = net.createServer((socket) => socket.on('data', (d) => chunks.push(d)));
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
    );
    const { out, stats } = await sender([
      '--forward',
      `pcap-over-ip://127.0.0.1:${port}`,
      '--mask',
      'password=\\S+',
    ]);
    await sleep(300);
    server.close();
    const stream = path.join(dir, 'over-ip.pcap');
    fs.writeFileSync(stream, Buffer.concat(chunks));
    // The capture waits for the connection before reading, so nothing is lost on a file.
    expect(stats.forwards[0]).toMatchObject({ forwarded: 80, dropped: 0 });
    expect(hex(stream)).toEqual(hex(out));
  });

  it('an absent receiver never stalls capture: everything is written, the forward drops are counted', async () => {
    const port = nextPort++; // nothing listens here
    const { stats } = await sender(['--forward', `pcap-over-ip://127.0.0.1:${port}`]);
    expect(stats.written).toBe(80);
    expect(stats.forwards[0]).toMatchObject({ forwarded: 0, dropped: 80 });
  });

  it.skipIf(!isRoot)('gre://: L2GRE with a key, received and decapsulated by a GRE broker', async () => {
    const received = path.join(dir, 'received-gre.pcapng');
    const receiver = await startCapture(['--no-vxlan', '--gre', '-w', received, '--stats']);
    await sleep(300);
    const { out, stats } = await sender(['--forward', 'gre://127.0.0.1?key=99', '--dedup']);
    await sleep(500);
    receiver.child.kill('SIGINT');
    expect(await receiver.exited).toBe(0);
    expect(stats.forwards[0]).toMatchObject({ forwarded: 60, dropped: 0 });
    const got = JSON.parse(receiver.stdout());
    expect(got.interfaces.map((i: { name: string }) => i.name)).toEqual(['gre:127.0.0.1/key=99']);
    expect(hex(received)).toEqual(hex(out));
  });
});
