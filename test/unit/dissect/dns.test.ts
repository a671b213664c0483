import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../main/capture/linktype.js';
import { dissectPacket, summarizePacket } from '../../../main/dissect/dissect.js';
import { readDnsName } from '../../../main/dissect/dns.js';
import { DNS_QUERY, DNS_RESPONSE, MDNS_QUERY } from '../../fixtures/dissect/frames.js';
import { concat, hex } from '../../fixtures/hex.js';
import { highlighted, nodeFor } from './support.js';

/** Ethernet + IPv4 + UDP 53 → 33333 in front of a DNS message of `length` bytes. */
function udpDns(message: Uint8Array): Uint8Array {
  const udpLength = 8 + message.length;
  const ipLength = 20 + udpLength;
  return concat(
    hex('02 00 00 00 00 01 02 00 00 00 00 02 08 00'),
    hex(`45 00 ${hex16(ipLength)} 00 01 00 00 40 11 00 00 08 08 08 08 0a 00 00 01`),
    hex(`00 35 82 35 ${hex16(udpLength)} 00 00`),
    message,
  );
}

function hex16(n: number): string {
  return `${(n >> 8).toString(16).padStart(2, '0')} ${(n & 0xff).toString(16).padStart(2, '0')}`;
}

describe('DNS', () => {
  it('a query: "Standard query 0x1a2b A example.com", queries listed with their bytes', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, DNS_QUERY, DNS_QUERY.length);
    expect(d.summary).toMatchObject({ protocol: 'DNS', info: 'Standard query 0x1a2b A example.com' });
    expect(nodeFor(d.tree, 'dns')).toMatchObject({
      label: 'Domain Name System (query)',
      offset: 42,
      length: 29,
    });
    expect(nodeFor(d.tree, 'dns.flags').label).toBe('Flags: 0x0100 Standard query');
    const name = nodeFor(d.tree, 'dns.qry.name');
    expect(name.label).toBe('Name: example.com');
    expect(highlighted(DNS_QUERY, name)).toBe('076578616d706c6503636f6d00');
    expect(nodeFor(d.tree, 'dns.qry.type').label).toBe('Type: A (Host Address) (1)');
    expect(d.fields.get('dns.qry.name')).toEqual(['example.com']);
    expect(d.fields.get('dns.flags.response')).toEqual([false]);
    expect(d.fields.display('dns.id')).toEqual(['0x1a2b']);
    expect(d.fields.has('dns')).toBe(true);
    expect(d.fields.has('mdns')).toBe(false);
  });

  it('a response follows the compression pointer and lists the answers', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, DNS_RESPONSE, DNS_RESPONSE.length);
    expect(d.summary.info).toBe('Standard query response 0x1a2b A example.com A 93.184.216.34');
    expect(nodeFor(d.tree, 'dns.flags').label).toBe('Flags: 0x8180 Standard query response, No error');
    const answer = nodeFor(d.tree, 'dns.a');
    expect(answer.label).toBe('Address: 93.184.216.34');
    expect(highlighted(DNS_RESPONSE, answer)).toBe('5db8d822');
    expect(d.fields.display('dns.a')).toEqual(['93.184.216.34']);
    expect(d.fields.get('dns.resp.name')).toEqual(['example.com']);
    expect(d.fields.get('dns.resp.ttl')).toEqual([300]);
    expect(d.fields.get('dns.flags.response')).toEqual([true]);
  });

  it('mDNS on port 5353 is MDNS, with its question kind; dns.* fields still apply', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, MDNS_QUERY, MDNS_QUERY.length);
    expect(d.summary).toMatchObject({
      protocol: 'MDNS',
      info: 'Standard query 0x0000 PTR _http._tcp.local, "QM" question',
    });
    expect(d.fields.has('mdns')).toBe(true);
    expect(d.fields.has('dns')).toBe(false);
    expect(d.fields.get('dns.qry.name')).toEqual(['_http._tcp.local']);
  });

  it('an error reply names the rcode; CNAME, AAAA and OPT records show as Wireshark shows them', () => {
    const message = hex(
      '00 22 81 83' + // ID 0x0022; response, RD, RA, rcode 3 No such name
        '00 01 00 02 00 00 00 01' + // 1 question, 2 answers, 1 additional
        '03 77 77 77 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 00 01 00 01' + // www.example.com A IN
        'c0 0c 00 05 00 01 00 00 00 3c 00 02 c0 10' + // www.example.com CNAME example.com (pointer)
        'c0 10 00 1c 00 01 00 00 00 3c 00 10 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 05' + // AAAA 2001:db8::5
        '00 00 29 10 00 00 00 00 00 00 00', // OPT, UDP payload size 4096
    );
    const d = dissectPacket(LINKTYPE.ETHERNET, udpDns(message), udpDns(message).length);
    expect(d.summary.info).toBe(
      'Standard query response 0x0022 No such name A www.example.com CNAME example.com AAAA 2001:db8::5 OPT',
    );
    expect(d.fields.get('dns.cname')).toEqual(['example.com']);
    expect(d.fields.display('dns.aaaa')).toEqual(['2001:db8::5']);
    expect(d.fields.get('dns.resp.type')).toEqual([5, 28, 41]);
    expect(d.fields.get('dns.resp.ttl')).toEqual([60, 60]);
    expect(d.fields.get('dns.flags.rcode')).toEqual([3]);
  });

  it('a pointer loop, a label past the end, or a truncated record is reported, never followed forever', () => {
    const loop = hex(
      '00 01 01 00 00 01 00 00 00 00 00 00' + // one question
        'c0 0c 00 01 00 01', // name: a pointer to itself
    );
    const d = dissectPacket(LINKTYPE.ETHERNET, udpDns(loop), udpDns(loop).length);
    expect(d.tree.at(-1)?.label).toBe('[Malformed Packet: DNS]');
    expect(d.summary.info).toBe('Standard query 0x0001[Malformed Packet]');
    expect(readDnsName(loop, 12, 0, loop.length)).toBeUndefined();
    const cut = DNS_RESPONSE.slice(0, DNS_RESPONSE.length - 3);
    const truncated = dissectPacket(LINKTYPE.ETHERNET, cut, DNS_RESPONSE.length);
    expect(truncated.tree.at(-1)?.label).toBe('[Packet size limited during capture: DNS truncated]');
    expect(truncated.fields.get('dns.qry.name')).toEqual(['example.com']);
    expect(truncated.fields.get('dns.a')).toEqual([]);
  });

  it('the root name is <Root>', () => {
    expect(readDnsName(hex('00'), 0, 0, 1)).toEqual({ name: '<Root>', length: 1 });
  });

  it('DNS over TCP skips the 2-byte length', () => {
    const message = hex(
      '00 0e 01 00 00 01 00 00 00 00 00 00 03 74 63 70 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 00 01 00 01',
    );
    const frame = concat(
      hex('02 00 00 00 00 02 02 00 00 00 00 01 08 00'),
      hex(`45 00 ${hex16(40 + 2 + message.length)} 00 01 00 00 40 06 00 00 0a 00 00 01 08 08 08 08`),
      hex('9c 4e 00 35 00 00 00 01 00 00 00 00 50 18 10 00 00 00 00 00'),
      hex(hex16(message.length)),
      message,
    );
    expect(summarizePacket(LINKTYPE.ETHERNET, frame, frame.length).info).toBe(
      'Standard query 0x000e A tcp.example.com',
    );
  });
});
