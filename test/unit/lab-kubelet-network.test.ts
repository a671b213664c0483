import { describe, expect, it } from 'vitest';
import { allocateIp, cidrContains } from '../lab/kubelet/ipam.js';
import {
  calicoVethName,
  flannelVethName,
  intToIp,
  ipToInt,
  nthIp,
  parseCidr,
  podNetnsName,
  vtepMac,
} from '../lab/kubelet/naming.js';

describe('lab kubelet: interface names the way the CNIs make them', () => {
  it('names Calico host veths cali + 11 hex of sha1("<namespace>.<pod>")', () => {
    // Expected values from Python's hashlib, independent of the code under test.
    expect(calicoVethName('default', 'nginx')).toBe('calic440f455693');
    expect(calicoVethName('shop', 'web-7d9f8b6c5d-x2x4k')).toBe('cali09389bb1562');
  });

  it('keeps every interface name within the kernel limit of 15 characters', () => {
    expect(calicoVethName('a-very-long-namespace-name', 'and-a-very-long-pod-name-too')).toHaveLength(15);
    expect(flannelVethName()).toMatch(/^veth[0-9a-f]{8}$/);
  });

  it('gives each pod UID its own recognisable namespace name', () => {
    const a = podNetnsName('2b7e1c1e-0000-4000-8000-000000000001');
    expect(a).toMatch(/^ctlab-pod-[0-9a-f]{10}$/);
    expect(podNetnsName('2b7e1c1e-0000-4000-8000-000000000002')).not.toBe(a);
  });

  it('derives stable, unicast, locally administered VTEP MACs per style and node', () => {
    const mac = vtepMac('calico', 'lab-node-1');
    expect(mac).toBe(vtepMac('calico', 'lab-node-1'));
    expect(mac).not.toBe(vtepMac('flannel', 'lab-node-1'));
    const first = Number.parseInt(mac.slice(0, 2), 16);
    expect(first & 1).toBe(0);
    expect(first & 2).toBe(2);
  });
});

describe('lab kubelet: IPv4 and CIDR arithmetic', () => {
  it('round-trips addresses and finds addresses in a CIDR', () => {
    expect(intToIp(ipToInt('198.19.200.11'))).toBe('198.19.200.11');
    expect(parseCidr('10.244.1.77/24')).toEqual({ network: ipToInt('10.244.1.0'), prefix: 24, size: 256 });
    expect(nthIp('10.244.1.0/24', 0)).toBe('10.244.1.0');
    expect(nthIp('10.244.1.0/24', 1)).toBe('10.244.1.1');
    expect(cidrContains('10.244.1.0/24', '10.244.1.254')).toBe(true);
    expect(cidrContains('10.244.1.0/24', '10.244.2.1')).toBe(false);
  });

  it('rejects what is not an address or CIDR', () => {
    expect(() => ipToInt('10.0.0')).toThrow();
    expect(() => ipToInt('10.0.0.256')).toThrow();
    expect(() => parseCidr('10.0.0.0/33')).toThrow();
  });
});

describe('lab kubelet: pod IP allocation', () => {
  it('starts at .2: .0 is the VTEP address and .1 the Flannel gateway', () => {
    expect(allocateIp('10.244.1.0/24', [])).toBe('10.244.1.2');
  });

  it('takes the lowest free address when it has no history', () => {
    expect(allocateIp('10.244.1.0/24', ['10.244.1.2', '10.244.1.3', '10.244.1.5'])).toBe('10.244.1.4');
  });

  it('goes round-robin after the last address handed out, so a freed address is not reused at once', () => {
    expect(allocateIp('10.244.1.0/24', ['10.244.1.2'], '10.244.1.7')).toBe('10.244.1.8');
    // At the end of the range it wraps around to .2, skipping addresses in use.
    expect(allocateIp('10.244.1.0/24', ['10.244.1.2'], '10.244.1.254')).toBe('10.244.1.3');
  });

  it('never hands out the broadcast address, and says when the CIDR is full', () => {
    const used = Array.from({ length: 5 }, (_, i) => `10.244.9.${i + 2}`); // .2-.6 of a /29 minus .7
    expect(allocateIp('10.244.9.0/29', used.slice(0, 4))).toBe('10.244.9.6');
    expect(allocateIp('10.244.9.0/29', used)).toBeUndefined();
  });
});
