import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../main/capture/linktype.js';
import {
  compileDisplayFilter,
  type DisplayFilterContext,
} from '../../../main/dissect/display-filter/display-filter.js';
import { dissectPacket } from '../../../main/dissect/dissect.js';
import { parsePacket } from '../../../main/dissect/parse.js';
import type { ParsedPacket } from '../../../main/dissect/types.js';
import {
  ARP_REQUEST,
  DNS_QUERY,
  DNS_RESPONSE,
  HTTP_GET,
  HTTP_RESPONSE,
  ICMP_PORT_UNREACHABLE,
  ICMPV6_ECHO,
  MDNS_QUERY,
  TCP_SYN,
  VLAN_UDP,
} from '../../fixtures/dissect/frames.js';

const PACKETS: Record<string, ParsedPacket> = Object.fromEntries(
  Object.entries({
    syn: TCP_SYN,
    get: HTTP_GET,
    response: HTTP_RESPONSE,
    query: DNS_QUERY,
    answer: DNS_RESPONSE,
    mdns: MDNS_QUERY,
    arp: ARP_REQUEST,
    unreachable: ICMP_PORT_UNREACHABLE,
    vlan: VLAN_UDP,
    ping6: ICMPV6_ECHO,
  }).map(([name, bytes]) => [name, parsePacket(LINKTYPE.ETHERNET, bytes, bytes.length)]),
);

/** The names of the packets the filter keeps. */
function selects(text: string, context: DisplayFilterContext = {}): string[] {
  const compiled = compileDisplayFilter(text);
  if (!compiled.ok) throw new Error(`${text}: ${compiled.error}`);
  return Object.entries(PACKETS)
    .filter(([, packet]) => compiled.filter(packet, context))
    .map(([name]) => name);
}

function error(text: string) {
  const compiled = compileDisplayFilter(text);
  if (compiled.ok) throw new Error(`"${text}" compiled`);
  return { error: compiled.error, at: text.slice(compiled.position, compiled.position + compiled.length) };
}

describe('display filter: what it selects', () => {
  it('a protocol name selects the packets that carry it', () => {
    expect(selects('tcp')).toEqual(['syn', 'get', 'response']);
    expect(selects('dns')).toEqual(['query', 'answer']);
    expect(selects('mdns')).toEqual(['mdns']);
    expect(selects('arp')).toEqual(['arp']);
    expect(selects('icmpv6')).toEqual(['ping6']);
    expect(selects('vlan')).toEqual(['vlan']);
  });

  it('the quoted packet of an ICMP error counts, as in Wireshark', () => {
    expect(selects('udp')).toEqual(['query', 'answer', 'mdns', 'unreachable', 'vlan']);
    expect(selects('udp.dstport == 53')).toEqual(['query', 'unreachable']);
  });

  it('a bare field is presence, even of a flag that is 0', () => {
    expect(selects('tcp.flags.syn')).toEqual(['syn', 'get', 'response']);
    expect(selects('tcp.flags.syn == 1')).toEqual(['syn']);
    expect(selects('http.request')).toEqual(['get']);
  });

  it('== on a multi-valued field holds when any value matches; != only when none does', () => {
    expect(selects('ip.addr == 10.0.0.2')).toEqual(['syn', 'get', 'response', 'vlan']);
    expect(selects('ip.addr != 10.0.0.2')).toEqual(['query', 'answer', 'mdns', 'unreachable']);
    expect(selects('ip.addr ~= 10.0.0.2')).toEqual([
      'syn',
      'get',
      'response',
      'query',
      'answer',
      'mdns',
      'unreachable',
      'vlan',
    ]);
    expect(selects('tcp.port === 80')).toEqual([]);
    expect(selects('all tcp.port > 100')).toEqual(['syn']);
    expect(selects('any tcp.port > 100')).toEqual(['syn', 'get', 'response']);
  });

  it('a field the packet lacks makes == and != both false', () => {
    expect(selects('tcp.port == 80 || tcp.port != 80')).toEqual(['syn', 'get', 'response']);
  });

  it('not binds tighter than and, and tighter than or', () => {
    expect(selects('tcp or udp and dns')).toEqual(['syn', 'get', 'response', 'query', 'answer']);
    expect(selects('(tcp or udp) and dns')).toEqual(['query', 'answer']);
    expect(selects('not tcp and ip')).toEqual(['query', 'answer', 'mdns', 'unreachable', 'vlan']);
    expect(selects('!(tcp || udp || arp)')).toEqual(['ping6']);
  });

  it('keywords and symbols are interchangeable', () => {
    expect(selects('ip.ttl eq 255 && udp.port ne 53')).toEqual(['mdns']);
    expect(selects('ip.len gt 100 and ip.len le 108')).toEqual(['response']);
    expect(selects('frame.len >= 87 && frame.len < 102')).toEqual(['get', 'answer']);
  });

  it('numbers in decimal, hex and octal; names for values', () => {
    expect(selects('tcp.port == 0x50')).toEqual(['get', 'response']);
    expect(selects('tcp.port == 0120')).toEqual(['get', 'response']);
    expect(selects('eth.type == 0x0806')).toEqual(['arp']);
    expect(selects('arp.opcode == request')).toEqual(['arp']);
    expect(selects('dns.qry.type == PTR')).toEqual(['mdns']);
  });

  it('sets, with ranges, separated by spaces or commas', () => {
    expect(selects('tcp.port in {443 8080}')).toEqual(['syn']);
    expect(selects('udp.port in {5353, 9990..10000}')).toEqual(['mdns', 'vlan']);
    expect(selects('ip.dst in {8.8.8.8 224.0.0.0/4}')).toEqual(['query', 'mdns']);
  });

  it('CIDR on IPv4 and IPv6 addresses', () => {
    expect(selects('ip.src == 10.0.0.0/8')).toEqual([
      'syn',
      'get',
      'response',
      'query',
      'mdns',
      'unreachable',
      'vlan',
    ]);
    expect(selects('ip.dst == 224.0.0.0/4')).toEqual(['mdns']);
    expect(selects('ipv6.addr == 2001:db8::/32')).toEqual(['ping6']);
    expect(selects('ipv6.dst == 2001:db8::2')).toEqual(['ping6']);
    expect(selects('ipv6.src == 2001:db8::/127')).toEqual(['ping6']);
    expect(selects('ipv6.src == 2001:db8::2/128')).toEqual([]);
  });

  it('MAC addresses with colons, dashes or dots', () => {
    expect(selects('eth.dst == ff:ff:ff:ff:ff:ff')).toEqual(['arp']);
    expect(selects('eth.dst == ff-ff-ff-ff-ff-ff')).toEqual(['arp']);
    expect(selects('eth.dst == ffff.ffff.ffff')).toEqual(['arp']);
    expect(selects('eth.src == 02:00:00:00:00:02')).toEqual(['response', 'answer', 'unreachable']);
  });

  it('strings: ==, contains (case-sensitive), matches (case-insensitive regular expression)', () => {
    expect(selects('http.host == "example.com"')).toEqual(['get']);
    expect(selects('http.host == example.com')).toEqual(['get']);
    expect(selects('dns.qry.name contains "ample"')).toEqual(['query', 'answer']);
    expect(selects('dns.qry.name contains "AMPLE"')).toEqual([]);
    expect(selects('dns.qry.name matches "^EXAMPLE\\\\.com$"')).toEqual(['query', 'answer']);
    expect(selects('http.request.uri ~ "index"')).toEqual(['get']);
  });

  it('a protocol contains bytes or text anywhere in what it covers', () => {
    expect(selects('tcp contains "GET"')).toEqual(['get']);
    expect(selects('frame contains 68:65:6c:6c:6f')).toEqual(['response']);
    expect(selects('udp contains "hi"')).toEqual(['vlan']);
  });

  it('bitwise and: bare (nonzero) or compared', () => {
    expect(selects('tcp.flags & 0x02')).toEqual(['syn']);
    expect(selects('tcp.flags & 0x18 == 0x18')).toEqual(['get', 'response']);
    expect(selects('dns.flags & 0x8000')).toEqual(['answer']);
  });

  it('one field compared with another', () => {
    expect(selects('udp.srcport == udp.dstport')).toEqual(['mdns']);
    expect(selects('tcp.srcport > tcp.dstport')).toEqual(['syn', 'get']);
  });

  it('ClusterTap fields come from the context the caller passes', () => {
    const context = {
      node: 'worker-1',
      namespace: 'shop',
      pod: 'cart-7d9f',
      direction: 'inbound',
      frameNumber: 42,
    };
    expect(selects('k8s.pod == "cart-7d9f" && tcp', context)).toEqual(['syn', 'get', 'response']);
    expect(selects('k8s.namespace contains "sho"', context)).toHaveLength(10);
    expect(selects('k8s.direction == outbound', context)).toEqual([]);
    expect(selects('frame.number in {40..45}', context)).toHaveLength(10);
    expect(selects('k8s', context)).toHaveLength(10);
    expect(selects('k8s')).toEqual([]);
    expect(selects('k8s.pod')).toEqual([]);
  });

  it('an empty filter keeps everything; a Dissection filters like its ParsedPacket', () => {
    expect(selects('   ')).toHaveLength(10);
    const compiled = compileDisplayFilter('http.host contains "example" && ip.ttl == 64');
    if (!compiled.ok) throw new Error(compiled.error);
    expect(compiled.filter(dissectPacket(LINKTYPE.ETHERNET, HTTP_GET, HTTP_GET.length))).toBe(true);
    expect(compiled.filter(dissectPacket(LINKTYPE.ETHERNET, HTTP_RESPONSE, HTTP_RESPONSE.length))).toBe(
      false,
    );
  });
});

describe('display filter: errors a user sees while typing', () => {
  it('names an unknown field and points at it', () => {
    expect(error('tcp && foo')).toEqual({
      error: '"foo" is neither a field nor a protocol name.',
      at: 'foo',
    });
    expect(error('tcp.prot == 80')).toEqual({
      error: '"tcp.prot" is neither a field nor a protocol name.',
      at: 'tcp.prot',
    });
    expect(error('TCP').error).toBe('"TCP" is neither a field nor a protocol name.');
    expect(error('k8s.cluster == a').at).toBe('k8s.cluster');
  });

  it('an incomplete expression', () => {
    expect(error('tcp.port ==').error).toBe('Unexpected end of filter expression.');
    expect(error('(tcp').error).toBe('Unexpected end of filter expression.');
    expect(error('tcp and').error).toBe('Unexpected end of filter expression.');
    expect(error('tcp.port in {80').error).toBe('Unexpected end of filter expression.');
  });

  it('a token where it does not belong', () => {
    expect(error('tcp)')).toEqual({ error: '")" was unexpected in this context.', at: ')' });
    expect(error('tcp.port == 80 80')).toEqual({ error: '"80" was unexpected in this context.', at: '80' });
    expect(error('tcp.port = 80')).toEqual({ error: '"=" was unexpected in this context.', at: '=' });
    expect(error('tcp OR udp').at).toBe('OR');
    expect(error('tcp.port in {}').at).toBe('}');
    expect(error('eth.dst[0] == 1').error).toMatch(/Slices/);
  });

  it('a value the field’s type cannot take', () => {
    expect(error('tcp.port == abc')).toEqual({ error: '"abc" is not a valid number.', at: 'abc' });
    expect(error('tcp.port == 70000').error).toBe('"70000" too big for this field, maximum 65535.');
    expect(error('ip.ttl == 256').error).toBe('"256" too big for this field, maximum 255.');
    expect(error('ip.addr == 10.0.0.300').error).toBe(
      '"10.0.0.300" is not a valid hostname or IPv4 address.',
    );
    expect(error('ip.src == 10.0.0.0/33').error).toBe(
      'Netmask bits in a CIDR IPv4 address should be <= 32, not 33',
    );
    expect(error('ipv6.addr == 2001:db8::/129').error).toBe(
      'Prefix in a IPv6 address should be <= 128, not 129',
    );
    expect(error('ipv6.addr == 2001:zz::1').error).toBe(
      '"2001:zz::1" is not a valid hostname or IPv6 address.',
    );
    expect(error('eth.src == 02:00:00').error).toBe(
      '"02:00:00" contains too few bytes to be a valid Ethernet address.',
    );
    expect(error('eth.src == 02:00:00:00:00:01:03').error).toBe(
      '"02:00:00:00:00:01:03" contains too many bytes to be a valid Ethernet address.',
    );
    expect(error('ip.src == "10.0.0.1"').error).toBe(
      'IPv4 address cannot be converted from a string ("10.0.0.1").',
    );
    expect(error('tcp.port > "x"').error).toBe(
      'Unsigned integer (2 bytes) cannot be converted from a string ("x").',
    );
    expect(error('tcp.flags.syn == maybe').error).toBe(
      '"maybe" cannot be found among the possible values for tcp.flags.syn.',
    );
    expect(error('http.host == "a').error).toBe('The final quote was missing from a quoted string.');
    expect(error('http.host matches "(("').error).toMatch(/not a valid regular expression/);
  });

  it('an operator the field’s type does not support, or fields of different types', () => {
    expect(error('tcp.port contains "a"')).toEqual({
      error: 'tcp.port (type=Unsigned integer (2 bytes)) cannot participate in contains comparison.',
      at: 'tcp.port',
    });
    expect(error('ip.proto == tcp')).toEqual({
      error: 'ip.proto and tcp are not of compatible types.',
      at: 'tcp',
    });
    expect(error('tcp > 1').error).toBe('tcp (type=Protocol) cannot participate in ">" comparison.');
    expect(error('http.host & 1').error).toBe('http.host (type=Character string) cannot be bitwise-ANDed.');
  });
});

describe('display filter: any text the user types', () => {
  const TOKENS = [
    'tcp',
    'ip.addr',
    'tcp.port',
    'dns.qry.name',
    'eth.src',
    'ipv6.addr',
    'k8s.pod',
    'frame',
    'foo.bar',
    '==',
    '!=',
    '===',
    '~=',
    '<',
    '>=',
    'eq',
    'contains',
    'matches',
    '~',
    '&',
    'in',
    'and',
    'or',
    'not',
    '&&',
    '||',
    '!',
    '(',
    ')',
    '{',
    '}',
    ',',
    '..',
    '"x"',
    '"a\\"b"',
    '"',
    '80',
    '0x50',
    '010',
    '-1',
    '99999999999',
    '10.0.0.0/8',
    '10.0.0.300',
    '2001:db8::/32',
    '02:00:00:00:00:01',
    'True',
    'any',
    'all',
    '[0]',
    '=',
    'GET',
    '"(("',
    ' ',
  ];

  it('never throws: it compiles, or says what is wrong and where, inside the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.array(fc.constantFrom(...TOKENS), { maxLength: 9 }).map((t) => t.join(' ')),
        ),
        (text) => {
          const compiled = compileDisplayFilter(text);
          if (compiled.ok) {
            for (const packet of Object.values(PACKETS))
              compiled.filter(packet, { pod: 'p', frameNumber: 1 });
            return;
          }
          expect(compiled.error.length).toBeGreaterThan(0);
          expect(compiled.position).toBeGreaterThanOrEqual(0);
          expect(compiled.position + compiled.length).toBeLessThanOrEqual(text.length);
        },
      ),
      { seed: 0xf17, numRuns: 3000 },
    );
  });
});
