import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capinfosPacketCount, metadataViaTshark, readWithPeers } from '../helpers/peers.js';
import { CLI, sh, sleep, start, startCapture, tempDir } from '../helpers/run.js';
import { innerFrame, ipv4Udp, sendDatagrams, vxlanDatagram } from '../helpers/vxlan-sender.js';

/** `clustertap capture` as a user drives it: stop conditions, signals, pipes, rotation, errors. */
const dir = tempDir('ct-cli');
let nextPort = 47890 + (process.pid % 1000);
const port = () => nextPort++;

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function blocksOfType(file: string, type: number): Buffer[] {
  const bytes = fs.readFileSync(file);
  const blocks: Buffer[] = [];
  for (let at = 0; at + 8 <= bytes.length; at += bytes.readUInt32LE(at + 4))
    if (bytes.readUInt32LE(at) === type) blocks.push(bytes.subarray(at, at + bytes.readUInt32LE(at + 4)));
  return blocks;
}

/** The isb_ifrecv option (code 4) of every Interface Statistics Block, parsed independently. */
function statisticsBlocks(file: string): Array<{ interfaceId: number; received: number }> {
  return blocksOfType(file, 5).map((block) => {
    let received = -1;
    for (let at = 20; at + 4 <= block.length - 4; at += 4 + ((block.readUInt16LE(at + 2) + 3) & ~3)) {
      const code = block.readUInt16LE(at);
      if (code === 0) break;
      if (code === 4) received = Number(block.readBigUInt64LE(at + 4));
    }
    return { interfaceId: block.readUInt32LE(8), received };
  });
}

describe('clustertap capture (VXLAN on loopback)', () => {
  it('-c N writes exactly N packets and exits 0 with a complete file', async () => {
    const p = port();
    const out = path.join(dir, 'count.pcapng');
    const run = await startCapture(['--vxlan', `127.0.0.1:${p}`, '-w', out, '-c', '5', '--stats']);
    await sendDatagrams(
      p,
      Array.from({ length: 20 }, (_, i) => vxlanDatagram(100, innerFrame(i))),
    );
    expect(await run.exited).toBe(0);
    expect(capinfosPacketCount(out)).toBe(5);
    const stats = JSON.parse(run.stdout());
    expect(stats.written).toBe(5);
    expect(stats.stopReason).toBe('packets');
    expect(statisticsBlocks(out)).toEqual([{ interfaceId: 0, received: 5 }]); // one ISB, one interface
  });

  it('takes VXLAN through recvmmsg batches, or through dgram where the addon is missing, alike', async () => {
    const results = [];
    for (const env of [{}, { CLUSTERTAP_NO_NATIVE: '1' }] as Record<string, string>[]) {
      const p = port();
      const out = path.join(dir, `path-${results.length}.pcapng`);
      const run = await startCapture(
        ['--vxlan', `127.0.0.1:${p}`, '-w', out, '-c', '200', '--stats'],
        undefined,
        env,
      );
      await sendDatagrams(
        p,
        Array.from({ length: 200 }, (_, i) => vxlanDatagram(5, innerFrame(i, 64 + (i % 50)))),
      );
      expect(await run.exited).toBe(0);
      results.push({
        label: JSON.parse(run.stdout()).listeners[0].label,
        frames: readWithPeers(out).map((f) => f.hex),
      });
    }
    expect(results.map((r) => r.label)).toEqual([
      expect.stringMatching(/\(recvmmsg\)$/),
      expect.stringMatching(/\(dgram\)$/),
    ]);
    expect(results[0]?.frames).toHaveLength(200);
    expect(results[0]?.frames).toEqual(results[1]?.frames);
  });

  it('-a duration:1 stops after about a second', async () => {
    const began = Date.now();
    const run = await startCapture([
      '--vxlan',
      `127.0.0.1:${port()}`,
      '-w',
      path.join(dir, 'dur.pcapng'),
      '-a',
      'duration:1',
    ]);
    expect(await run.exited).toBe(0);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - began).toBeLessThan(5000);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} finishes the file cleanly: every packet, ISBs with counters, tools read it`, async () => {
      const p = port();
      const out = path.join(dir, `${signal}.pcapng`);
      const run = await startCapture(['--vxlan', `127.0.0.1:${p}`, '-w', out, '--stats']);
      await sendDatagrams(
        p,
        Array.from({ length: 300 }, (_, i) => vxlanDatagram(i % 3, innerFrame(i))),
      );
      await sleep(200);
      run.child.kill(signal);
      expect(await run.exited).toBe(0);
      expect(capinfosPacketCount(out)).toBe(300);
      const received = statisticsBlocks(out).map((isb) => isb.received);
      expect(received).toEqual([100, 100, 100]);
      expect(JSON.parse(run.stdout()).stopReason).toBe('signal');
    });
  }

  it('one interface per (peer, VNI), names from --tunnel-map, --vni and --allow-peer refuse the rest', async () => {
    const p = port();
    const out = path.join(dir, 'allow.pcapng');
    const map = path.join(dir, 'map.json');
    fs.writeFileSync(
      map,
      JSON.stringify([{ tunnelId: 10, name: 'n1/shop/cart (egress)', direction: 'outbound' }]),
    );
    const run = await startCapture([
      '--vxlan',
      `127.0.0.1:${p}`,
      '-w',
      out,
      '--vni',
      '10-11',
      '--tunnel-map',
      map,
      '--stats',
    ]);
    const datagrams = [
      ...[10, 11, 12, 10, 11, 99].map((vni, i) => vxlanDatagram(vni, innerFrame(i))),
      vxlanDatagram(10, innerFrame(50), 0x00), // I flag missing
      Buffer.from('0800', 'hex'), // truncated VXLAN header
    ];
    await sendDatagrams(p, datagrams);
    await sleep(200);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const stats = JSON.parse(run.stdout());
    expect(stats.notAllowed).toEqual({ peer: 0, tunnelId: 2 });
    expect(stats.decapErrors).toEqual({ truncated: 1, badFlags: 1, unknownEthertype: 0 });
    expect(stats.written).toBe(4);
    const frames = metadataViaTshark(out);
    expect(frames.map((f) => f.interfaceName)).toEqual([
      'n1/shop/cart (egress)',
      'vxlan:127.0.0.1/vni=11',
      'n1/shop/cart (egress)',
      'vxlan:127.0.0.1/vni=11',
    ]);
    expect(frames.map((f) => Number(f.direction))).toEqual([2, 0, 2, 0]);
  });

  it('-w - streams pcapng that a reader can consume while it is written', async () => {
    const p = port();
    const run = start('sh', [
      '-c',
      `node ${CLI} capture --vxlan 127.0.0.1:${p} -w - -c 50 -q | tshark -r - -T fields -e frame.len`,
    ]);
    await sleep(1500);
    await sendDatagrams(
      p,
      Array.from({ length: 50 }, (_, i) => vxlanDatagram(7, innerFrame(i, 100))),
    );
    expect(await run.exited).toBe(0);
    expect(run.stdout().trim().split('\n')).toEqual(Array(50).fill('142'));
  });

  it('-b filesize:KB rotates into dumpcap-named files that each stand alone; -b files:N keeps N', async () => {
    const p = port();
    const base = path.join(dir, 'ring.pcapng');
    const run = await startCapture([
      '--vxlan',
      `127.0.0.1:${p}`,
      '-w',
      base,
      '-b',
      'filesize:20',
      '-b',
      'files:3',
    ]);
    await sendDatagrams(
      p,
      Array.from({ length: 400 }, (_, i) => vxlanDatagram(i % 2, innerFrame(i, 200))),
    );
    await sleep(300);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const files = fs
      .readdirSync(dir)
      .filter((f) => /^ring_\d{5}_\d{14}\.pcapng$/.test(f))
      .sort();
    expect(files).toHaveLength(3);
    expect(files[0]).not.toMatch(/^ring_00001_/); // the oldest were removed
    for (const file of files) {
      const frames = metadataViaTshark(path.join(dir, file));
      expect(frames.length).toBeGreaterThan(0);
      expect(new Set(frames.map((f) => f.interfaceName)).size).toBeGreaterThan(0);
    }
  });

  it('refuses bad flags with one clear line and exit code 1', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--vxlan', 'nonsense'], /--vxlan nonsense: expected \[ADDR:\]PORT/],
      [['--allow-peer', '10.0.0.0/33'], /--allow-peer 10.0.0.0\/33/],
      [['--vni', '5-1'], /--vni 5-1: expected IDs or ranges/],
      [['-a', 'duration:soon'], /-a duration:soon: expected one of/],
      [['-c', '0'], /-c 0: expected a whole number greater than 0/],
      [['-b', 'filesize:10', '-w', '-'], /-b needs -w FILE/],
      [['-w', '/nonexistent-dir/x.pcapng'], /cannot write to \/nonexistent-dir/],
    ];
    for (const [args, message] of cases) {
      const run = spawnSyncCli(['capture', ...args]);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('says the port is taken, and by what, when another capture holds it', async () => {
    const p = port();
    const first = await startCapture(['--vxlan', `127.0.0.1:${p}`, '-w', path.join(dir, 'first.pcapng')]);
    const second = spawnSyncCli([
      'capture',
      '--vxlan',
      `127.0.0.1:${p}`,
      '-w',
      path.join(dir, 'second.pcapng'),
    ]);
    first.child.kill('SIGINT');
    await first.exited;
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/port is in use.*--vxlan PORT/);
  });
});

describe('clustertap capture -r (files)', () => {
  it('decapsulates a tcpdump capture of VXLAN traffic, keeping the original timestamps', async () => {
    const src = path.join(dir, 'outer.pcap');
    writeOuterVxlanPcap(src);
    const out = path.join(dir, 'decap.pcapng');
    const run = start(process.execPath, [CLI, 'capture', '-r', src, '-w', out, '--stats', '-q']);
    expect(await run.exited).toBe(0);
    const stats = JSON.parse(run.stdout());
    expect(stats).toMatchObject({
      received: 4,
      delivered: 3,
      passedThrough: 1,
      written: 4,
      stopReason: 'end-of-input',
    });
    const frames = readWithPeers(out);
    expect(frames.map((f) => f.interfaceName)).toEqual([
      'vxlan:198.18.0.1/vni=100',
      'outer.pcap', // not a tunnel packet: passed through on its own interface
      'vxlan:198.18.0.1/vni=100',
      'vxlan:198.18.0.1/vni=200',
    ]);
    expect(frames[0]?.hex).toBe(innerFrame(0).toString('hex'));
    const times = sh('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.time_epoch']).trim().split('\n');
    expect(times.map(Number)).toEqual([
      1700000000.000001, 1700000001.000002, 1700000002.000003, 1700000003.000004,
    ]);
  });

  it('re-reads its own pcapng output unchanged (pass-through keeps interfaces and bytes)', async () => {
    const src = path.join(dir, 'decap.pcapng');
    const out = path.join(dir, 'again.pcapng');
    const run = start(process.execPath, [CLI, 'capture', '-r', src, '--no-decap', '-w', out, '-q']);
    expect(await run.exited).toBe(0);
    expect(readWithPeers(out)).toEqual(readWithPeers(src));
  });

  it('an unreadable file gives one clear error line, exit 2, and no output file', () => {
    const junk = path.join(dir, 'junk.txt');
    fs.writeFileSync(junk, 'this is not a capture file at all');
    const out = path.join(dir, 'never.pcapng');
    const stub = path.join(dir, 'stub.pcap');
    fs.writeFileSync(stub, Buffer.from('d4c3b2a1020004000000', 'hex'));
    for (const [input, message] of [
      [stub, /stub.pcap: pcap file header is truncated \(10 of 24 bytes\)/],
      [junk, /junk.txt: not a pcap or pcapng file \(starts with 0x74686973\)/],
      [path.join(dir, 'missing.pcap'), /missing.pcap: cannot open \(no such file\)/],
    ] as const) {
      const run = spawnSyncCli(['capture', '-r', input, '-w', out]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  it('a file cut mid-packet: keeps everything before the cut, says where, output stays readable', async () => {
    const src = path.join(dir, 'outer-for-cut.pcap');
    writeOuterVxlanPcap(src);
    const cut = path.join(dir, 'cut.pcap');
    const bytes = fs.readFileSync(src);
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const out = path.join(dir, 'cut.pcapng');
    const run = start(process.execPath, [CLI, 'capture', '-r', cut, '-w', out, '-q', '--stats']);
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toMatch(/stopped reading at byte \d+: file ends inside a packet/);
    expect(capinfosPacketCount(out)).toBe(3); // of 4: the last one was cut
  });
});

function spawnSyncCli(args: string[]) {
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

/** A classic pcap, as tcpdump on a node's uplink would write it: 3 VXLAN packets and one ARP. */
function writeOuterVxlanPcap(file: string): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const outer = (vni: number, inner: Buffer) =>
    Buffer.concat([
      Buffer.from('020000000b02020000000b010800', 'hex'),
      ipv4Udp([198, 18, 0, 1], [198, 18, 0, 2], [54321, 4789], vxlanDatagram(vni, inner)),
    ]);
  const arp = Buffer.concat([Buffer.from('ffffffffffff020000000b010806', 'hex'), Buffer.alloc(28, 1)]);
  const packets = [outer(100, innerFrame(0)), arp, outer(100, innerFrame(1)), outer(200, innerFrame(2))];
  const records = packets.map((packet, i) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1700000000 + i, 0);
    record.writeUInt32LE(i + 1, 4);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    return Buffer.concat([record, packet]);
  });
  fs.writeFileSync(file, Buffer.concat([header, ...records]));
}
