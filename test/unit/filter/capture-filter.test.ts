import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compileBpfProgram,
  compileCaptureFilter,
  FilterSyntaxError,
} from '../../../main/broker/filter/capture-filter.js';

const ETHERNET = 1;
const RAW = 101;
const TCPDUMP = '/usr/bin/tcpdump';

/** `tcpdump -d[d] -y DLT EXPR`: stdout, and the "tcpdump: " line of stderr when it fails. */
function tcpdump(flag: '-d' | '-dd', dlt: 'EN10MB' | 'RAW', expression: string) {
  if (!fs.existsSync(TCPDUMP))
    throw new Error(`${TCPDUMP} is missing: these tests compare with tcpdump (apt-get install tcpdump)`);
  const result = spawnSync(TCPDUMP, [flag, '-y', dlt, expression], { encoding: 'utf8' });
  const error = result.stderr
    .split('\n')
    .find((line) => line.startsWith('tcpdump: '))
    ?.slice('tcpdump: '.length);
  return { status: result.status, stdout: result.stdout, error };
}

function syntaxError(expression: string, linkType: number): FilterSyntaxError {
  try {
    compileCaptureFilter(expression, linkType);
  } catch (error) {
    if (error instanceof FilterSyntaxError) return error;
    throw error;
  }
  throw new Error(`"${expression}" compiled`);
}

describe('-f syntax errors read like tcpdump', () => {
  const ethernetErrors = [
    'tcp and',
    'greater',
    'port 70000',
    'portrange 100-70000',
    'host no-such-host.invalid',
    'net 10.1.2.3/8',
    'vlan 5000',
    'ip proto nosuch',
    'tcp[1:3] = 1',
    'tcp[tcpflags] & tcp-nosuch != 0',
    'ether host 01:02:03',
    'ip6 protochain nosuch',
    'ip and arp',
    'udp port 53 and (',
  ];

  it.each(ethernetErrors)('Ethernet: %s', (expression) => {
    const expected = tcpdump('-d', 'EN10MB', expression);
    expect(expected.status).toBe(1);
    const error = syntaxError(expression, ETHERNET);
    expect(error.reason).toBe(expected.error);
    expect(error.message).toBe(`-f "${expression}": ${expected.error}`);
  });

  it.each(['vlan', 'ether host 1:2:3:4:5:6', 'broadcast', 'arp'])('raw IP: %s', (expression) => {
    const expected = tcpdump('-d', 'RAW', expression);
    expect(expected.status).toBe(1);
    expect(syntaxError(expression, RAW).reason).toBe(expected.error);
  });

  it('rejects a NUL character instead of compiling the part before it', () => {
    expect(syntaxError('tcp\0 and udp', ETHERNET).reason).toBe('expression contains a NUL character');
  });
});

describe('-f compiles to the program tcpdump compiles', () => {
  const expressions = [
    'ip broadcast', // netmask 0, as tcpdump -r uses
    '',
    'tcp port 80',
    'vlan 100 and udp',
    'vlan and vlan and ip',
    'ip6 protochain 44',
    'tcp[tcpflags] & (tcp-syn|tcp-fin) != 0',
    'ip[6:2] & 0x1fff != 0',
    'greater 1000 or less 64',
    'ether multicast and not broadcast',
    'net 10.0.0.0/8 and portrange 1000-2000',
  ];

  /** `tcpdump -dd` prints one `{ code, jt, jf, k },` per instruction. */
  function tcpdumpProgram(dlt: 'EN10MB' | 'RAW', expression: string): number[] {
    const { stdout, status } = tcpdump('-dd', dlt, expression);
    expect(status).toBe(0);
    return [...stdout.matchAll(/\{ (0x[0-9a-f]+), (\d+), (\d+), (0x[0-9a-f]+) \}/g)].flatMap((m) =>
      m.slice(1, 5).map((value) => Number(value)),
    );
  }

  it.each(expressions)('Ethernet: "%s"', (expression) => {
    const words = [...compileBpfProgram(expression, ETHERNET)];
    expect(words).toEqual(tcpdumpProgram('EN10MB', expression));
    // pcap_open_dead never asks for the Linux kernel's VLAN offload data (SKF_AD_* absolute loads)
    const absoluteLoads = [];
    for (let i = 0; i < words.length; i += 4)
      if (words[i] === 0x20 || words[i] === 0x28 || words[i] === 0x30) absoluteLoads.push(words[i + 3]);
    expect(absoluteLoads.filter((k) => (k ?? 0) >= 0xfffff000)).toEqual([]);
  });

  it.each(['ip', 'ip6 and tcp', 'udp port 53', 'ip[0] & 0xf > 5'])('raw IP: "%s"', (expression) => {
    expect([...compileBpfProgram(expression, RAW)]).toEqual(tcpdumpProgram('RAW', expression));
  });
});

describe('compileCaptureFilter', () => {
  /** Ethernet + IPv4 + UDP header, ports given, no payload. */
  function udpFrame(sport: number, dport: number): Uint8Array {
    const frame = new Uint8Array(42);
    frame.set([0x08, 0x00], 12); // EtherType IPv4
    frame.set([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17], 14); // version/IHL, length 28, TTL, protocol UDP
    frame.set([10, 0, 0, 1, 10, 0, 0, 2], 26);
    frame.set([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff], 34);
    return frame;
  }

  it('matches the frames the expression describes', () => {
    const filter = compileCaptureFilter('udp dst port 53', ETHERNET);
    expect(filter.expression).toBe('udp dst port 53');
    expect(filter.matches(udpFrame(4000, 53), 42)).toBe(true);
    expect(filter.matches(udpFrame(53, 4000), 42)).toBe(false);
    expect(filter.matches(udpFrame(4000, 53).subarray(0, 36), 42)).toBe(false); // port not captured
  });

  it('tests `greater`/`less` against the original length', () => {
    const filter = compileCaptureFilter('greater 1000', ETHERNET);
    expect(filter.matches(udpFrame(1, 2), 42)).toBe(false);
    expect(filter.matches(udpFrame(1, 2), 1514)).toBe(true);
  });

  it('compiles once per link type and never matches frames of a type the expression cannot apply to', () => {
    const filter = compileCaptureFilter('vlan or udp', ETHERNET);
    const rawUdp = udpFrame(1, 2).subarray(14);
    expect(filter.matches(rawUdp, rawUdp.length)).toBe(false); // read as Ethernet: no UDP there
    expect(filter.errorFor(ETHERNET)).toBeUndefined();
    expect(filter.matches(rawUdp, rawUdp.length, RAW)).toBe(false);
    expect(filter.errorFor(RAW)?.message).toBe('-f "vlan or udp": no VLAN support for Raw IP');

    const udp = compileCaptureFilter('udp', ETHERNET);
    expect(udp.matches(rawUdp, rawUdp.length, RAW)).toBe(true);
    expect(udp.matches(udpFrame(1, 2), 42)).toBe(true);
  });

  it('accepts everything for an empty expression, as tcpdump does', () => {
    expect(compileCaptureFilter('', ETHERNET).matches(new Uint8Array(0), 0)).toBe(true);
  });
});
