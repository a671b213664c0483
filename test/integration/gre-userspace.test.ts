import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsLab } from '../helpers/netns.js';
import { capinfosPacketCount, rawFramesViaTshark } from '../helpers/peers.js';
import { CLI, SYSTEM_PYTHON, sleep, start, startCapture, tempDir } from '../helpers/run.js';

/**
 * GRE termination. This kernel has no gre/gretap module, so the GRE packets are built in user
 * space with scapy (RFC 2784/2890 variants, good and bad) and sent across a veth to the broker.
 */
const unavailable = NetnsLab.unavailableReason();
if (unavailable) console.warn(`gre-userspace: cannot run here: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('GRE from user-space packets → broker → pcapng', () => {
  const lab = new NetnsLab(`ctgre${process.pid}`);
  const dir = tempDir('ct-gre');
  let peer = '';
  let collector = '';

  beforeAll(() => {
    peer = lab.addNamespace('peer');
    collector = lab.addNamespace('col');
    lab.link(
      { ns: peer, dev: 'p0', cidr: '198.18.1.1/30' },
      { ns: collector, dev: 'c0', cidr: '198.18.1.2/30' },
      9100,
    );
    lab.exec(
      collector,
      'ip link set c0 address 02:00:00:00:01:02 && ip -6 addr add fd00:1::2/64 dev c0 nodad',
    );
    lab.exec(peer, 'ip -6 addr add fd00:1::1/64 dev p0 nodad');
  });

  afterAll(() => {
    lab.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('decapsulates keyed, unkeyed, sequenced, checksummed, IPv4/IPv6/Ethernet payloads and counts bad ones', async () => {
    const out = path.join(dir, 'gre.pcapng');
    const expectedFile = path.join(dir, 'expected.json');
    const broker = await startCapture(
      [
        '--no-vxlan',
        '--gre',
        '--allow-peer',
        '198.18.1.1',
        '--allow-peer',
        'fd00:1::/64',
        '-w',
        out,
        '--stats',
      ],
      collector,
    );
    try {
      lab.exec(
        peer,
        `${SYSTEM_PYTHON} ${path.join(import.meta.dirname, 'fixtures/send-gre.py')} p0 ${expectedFile}`,
      );
      await sleep(700);
    } finally {
      broker.child.kill('SIGTERM');
    }
    expect(await broker.exited).toBe(0);
    const stats = JSON.parse(broker.stdout());
    const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as Array<{
      interface?: string;
      hex?: string;
      counter?: string;
      badChecksum?: boolean;
    }>;
    const delivered = expected.filter((e) => e.interface);

    const frames = rawFramesViaTshark(out);
    expect(capinfosPacketCount(out)).toBe(frames.length);
    expect(frames.map((f) => ({ interface: f.interfaceName, hex: f.hex }))).toEqual(
      delivered.map((e) => ({ interface: e.interface, hex: e.hex })),
    );
    // Ethernet payloads on Ethernet interfaces (encap 1), IP payloads on raw-IP ones (encap 7).
    const byInterface = new Map(frames.map((f) => [f.interfaceName, f.encapType]));
    expect(byInterface.get('gre:198.18.1.1/key=7')).toBe(1);
    expect(byInterface.get('gre:198.18.1.1/key=9')).toBe(7);

    const count = (name: string) => expected.filter((e) => e.counter === name).length;
    expect(stats.decapErrors).toEqual({
      truncated: count('truncated'),
      badFlags: count('badFlags'),
      unknownEthertype: count('unknownEthertype'),
    });
    expect(stats.notAllowed.peer).toBe(count('notAllowedPeer'));
    expect(stats.badChecksum).toBe(expected.filter((e) => e.badChecksum).length);
    expect(stats.written).toBe(delivered.length);
    expect(stats.received).toBe(expected.length);
  });

  it('without CAP_NET_RAW, says how to grant it (as dumpcap does) and writes nothing', async () => {
    const out = path.join(dir, 'unprivileged.pcapng');
    fs.chmodSync(dir, 0o777);
    const run = start(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--inh-caps=-all',
        '--bounding-set=-all',
        process.execPath,
        CLI,
        'capture',
        '--no-vxlan',
        '--gre',
        '-w',
        out,
      ],
      collector,
    );
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/CAP_NET_RAW/);
    expect(run.stderr()).toMatch(/setcap cap_net_raw/);
    expect(run.stderr().trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
  });
});
