import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  addMirrorFilter,
  addQdiscMarker,
  bytecodeString,
  deleteFilter,
  tunnelDeviceSteps,
} from '../../agent-image/src/tap-engine/commands.js';
import { batchLine } from '../../agent-image/src/tap-engine/exec.js';
import { MAX_TUNNEL_ID, sessionIdentity } from '../../agent-image/src/tap-engine/identity.js';
import type { LinkInfo } from '../../agent-image/src/tap-engine/iproute-json.js';
import { compileMirrorProgram } from '../../agent-image/src/tap-engine/mirror-program.js';
import { tunnelIdAllocator } from '../../agent-image/src/tap-engine/tunnel-devices.js';

const id = sessionIdentity('a1b2c3d4');
const line = (c: { command: string; args: string[] }) => [c.command, ...c.args].join(' ');
const spec = {
  name: id.deviceName(300),
  tunnelId: 300,
  remote: '203.0.113.9',
  local: '10.0.0.5',
  port: 4789,
  alias: `${id.alias} tunnel=300`,
};

describe('session identity', () => {
  it('derives names, priority and cookie from the session ID alone', () => {
    expect(sessionIdentity('a1b2c3d4')).toEqual({ ...id, deviceName: expect.any(Function) });
    expect(id.devicePrefix).toMatch(/^ctap[0-9a-f]{6}$/);
    expect(id.priority).toBeGreaterThanOrEqual(0xb000);
    expect(id.priority).toBeLessThan(0xc000); // before filters added without a priority (49152)
    expect(id.cookie).toMatch(/^c7a9[0-9a-f]{20}$/);
    expect(id.markerChain).toBeLessThanOrEqual(0x0fffffff);
    expect(sessionIdentity('a1b2c3d5').devicePrefix).not.toBe(id.devicePrefix);
  });

  it('names devices within the kernel limit of 15 characters, up to the largest tunnel ID', () => {
    expect(id.deviceName(MAX_TUNNEL_ID)).toHaveLength(15);
    expect(id.deviceName(300)).toBe(`${id.devicePrefix}8c`);
    expect(() => id.deviceName(36 ** 5)).toThrow(/too large/);
  });
});

describe('tunnel IDs', () => {
  const link = (kind: string, tunnelId: number): LinkInfo => ({
    index: 1,
    name: 'x',
    kind,
    flags: [],
    tunnelId,
  });

  it('skip the CNI VNIs and every tunnel ID already on the node', () => {
    const next = tunnelIdAllocator(
      4094,
      [link('vxlan', 4098), link('gretap', 4099), link('veth', 4100)],
      new Set([4095]),
    );
    expect([next(), next(), next(), next()]).toEqual([4094, 4097, 4100, 4101]); // 4096 is Calico's
    const fromOne = tunnelIdAllocator(1, [], new Set());
    expect(fromOne()).toBe(2); // 1 is Flannel's
  });

  it('say so when the range is exhausted', () => {
    const next = tunnelIdAllocator(MAX_TUNNEL_ID, [], new Set());
    expect(next()).toBe(MAX_TUNNEL_ID);
    expect(() => next()).toThrow(`no free tunnel ID between ${MAX_TUNNEL_ID} and ${MAX_TUNNEL_ID}`);
  });
});

describe('tunnel device command lines', () => {
  const steps = (extra: object) => {
    const s = tunnelDeviceSteps({ ...spec, transport: 'vxlan', ...extra });
    return {
      ...s,
      create: s.create.map((l) => l.join(' ')),
      guard: s.guard.map((l) => l.join(' ')),
      up: s.up.join(' '),
    };
  };

  it('VXLAN: own VNI and port, no learning, outer fragmentation allowed; silent and deaf before it is up', () => {
    expect(steps({})).toEqual({
      create: [
        `link add ${spec.name} mtu 65000 arp off type vxlan id 300 remote 203.0.113.9 local 10.0.0.5 dstport 4789 nolearning df unset`,
        `link set dev ${spec.name} addrgenmode none`,
      ],
      sysctl: `net.ipv6.conf.${spec.name}.disable_ipv6=1`,
      guard: [
        `qdisc add dev ${spec.name} clsact`,
        `filter add dev ${spec.name} ingress prio 1 handle 1 protocol all bpf da bytecode 1,6 0 0 2`,
      ],
      up: `link set dev ${spec.name} alias clustertap session=a1b2c3d4 tunnel=300 up`,
    });
  });

  // This kernel has no gretap: these lines are all that is tested of the GRE path here.
  it('GRE: gretap keyed by the tunnel ID, outer fragmentation allowed (kernel path untested here)', () => {
    const gre = steps({ transport: 'gre' });
    expect(gre.create[0]).toBe(
      `link add ${spec.name} mtu 65000 arp off type gretap remote 203.0.113.9 local 10.0.0.5 key 300 nopmtudisc`,
    );
    expect({ ...gre, create: gre.create.slice(1) }).toEqual({
      ...steps({}),
      create: steps({}).create.slice(1),
    });
    expect(steps({ transport: 'gre', remote: 'fd00::9', local: '' }).create[0]).toBe(
      `link add ${spec.name} mtu 65000 arp off type ip6gretap remote fd00::9 key 300`,
    );
  });

  it('VXLAN without a node address lets the route pick the source', () => {
    expect(steps({ local: '' }).create[0]).not.toContain('local');
  });
});

describe('iproute2 batch lines', () => {
  it('quote words with blanks, and refuse what the batch parser cannot carry', () => {
    expect(batchLine(['filter', 'add', 'bytecode', '1,6 0 0 2', 'alias', 'clustertap session=a'])).toBe(
      'filter add bytecode "1,6 0 0 2" alias "clustertap session=a"',
    );
    expect(() => batchLine(['alias', 'a "b"'])).toThrow(/cannot pass/);
    expect(() => batchLine(['x#y'])).toThrow(/cannot pass/);
  });
});

describe('tc command lines', () => {
  it('mirror: our priority and handle, classic BPF, mirred mirror that lets later filters run, our cookie', () => {
    expect(line(addMirrorFilter('cali1234', 'ingress', id, 300, '1,6 0 0 262144', spec.name))).toBe(
      `tc filter add dev cali1234 ingress prio ${id.priority} handle 300 protocol all bpf bytecode 1,6 0 0 262144 ` +
        `action mirred egress mirror dev ${spec.name} continue cookie ${id.cookie}`,
    );
  });

  it('delete names chain, priority and handle: never every filter at a priority', () => {
    expect(line(deleteFilter('veth9', 'egress', 45000, 7))).toBe(
      'tc filter del dev veth9 egress prio 45000 handle 7 protocol all bpf',
    );
    expect(line(deleteFilter('veth9', 'ingress', 45000, 1, 99))).toBe(
      'tc filter del dev veth9 ingress chain 99 prio 45000 handle 1 protocol all bpf',
    );
  });

  it('marker: a never-run filter on a chain of its own whose program names the session', () => {
    expect(line(addQdiscMarker('veth9', id))).toBe(
      `tc filter add dev veth9 ingress chain ${id.markerChain} prio ${id.priority} handle 1 protocol all ` +
        `bpf bytecode 2,0 0 0 ${id.markerMagic},6 0 0 0`,
    );
  });

  it('bytecode in tc syntax, k unsigned', () => {
    expect(bytecodeString([40, 0, 0, 12, 21, 0, 1, 2048, 6, 0, 0, 0xffffffff])).toBe(
      '3,40 0 0 12,21 0 1 2048,6 0 0 4294967295',
    );
    expect(() => bytecodeString([1, 2, 3])).toThrow(/4 words/);
  });
});

describe('the mirror program', () => {
  const tunnel = { collector: '203.0.113.9', nodeIP: '10.0.0.5', transport: 'vxlan' as const, port: 4789 };

  it('is libpcap’s program for the filter and the loop guard, as tcpdump -ddd compiles it', () => {
    const program = compileMirrorProgram(tunnel, 'tcp port 80');
    expect(program.expression).toBe('not (src host 10.0.0.5 and dst host 203.0.113.9) and (tcp port 80)');
    const tcpdump = spawnSync('tcpdump', ['-ddd', '-y', 'EN10MB', program.expression], { encoding: 'utf8' });
    expect(program.bytecode).toBe(tcpdump.stdout.trim().split('\n').join(','));
  });

  it('guards by protocol when the node address is unknown; matches everything else without a filter', () => {
    expect(compileMirrorProgram({ ...tunnel, nodeIP: '' }, undefined).expression).toBe(
      'not (dst host 203.0.113.9 and udp dst port 4789)',
    );
    expect(compileMirrorProgram({ ...tunnel, nodeIP: '', transport: 'gre' }, '  ').expression).toBe(
      'not (dst host 203.0.113.9 and (ip proto 47 or ip6 proto 47))',
    );
  });

  it('rejects what libpcap rejects, with its message', () => {
    expect(() => compileMirrorProgram(tunnel, 'tcp port')).toThrow(/syntax error/);
    expect(() => compileMirrorProgram({ ...tunnel, collector: 'broker.example' }, undefined)).toThrow(
      /not an IP address/,
    );
  });
});
