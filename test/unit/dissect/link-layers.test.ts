import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../main/capture/linktype.js';
import { dissectPacket, summarizePacket } from '../../../main/dissect/dissect.js';
import {
  ARP_REQUEST,
  RAW_TCP_SYN,
  SLL_UDP,
  SLL2_UDP,
  TCP_SYN,
  VLAN_UDP,
} from '../../fixtures/dissect/frames.js';
import { hex } from '../../fixtures/hex.js';
import { highlighted, layerLabels, nodeFor } from './support.js';

describe('Ethernet', () => {
  it('names source, destination and type as Wireshark does, each highlighting its bytes', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, TCP_SYN, TCP_SYN.length);
    expect(d.tree[1]?.label).toBe('Ethernet II, Src: 02:00:00:00:00:01, Dst: 02:00:00:00:00:02');
    expect(d.tree[1]).toMatchObject({ offset: 0, length: 14, abbrev: 'eth' });
    expect(highlighted(TCP_SYN, nodeFor(d.tree, 'eth.dst'))).toBe('020000000002');
    expect(nodeFor(d.tree, 'eth.type').label).toBe('Type: IPv4 (0x0800)');
    expect(d.fields.display('eth.src')).toEqual(['02:00:00:00:00:01']);
    expect(d.fields.display('eth.addr')).toEqual(['02:00:00:00:00:02', '02:00:00:00:00:01']);
    expect(d.fields.display('eth.type')).toEqual(['0x0800']);
  });

  it('shows the padding after a short payload under Ethernet', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, ARP_REQUEST, 60);
    const padding = nodeFor(d.tree, 'eth.padding');
    expect(padding).toMatchObject({ offset: 42, length: 18 });
  });

  it('names an EtherType nothing decodes in the Protocol column, its name in Info', () => {
    const frame = hex(`${'02 00 00 00 00 02 02 00 00 00 00 01'} 88 b5 ${'61 '.repeat(46)}`);
    expect(summarizePacket(LINKTYPE.ETHERNET, frame, frame.length)).toMatchObject({
      protocol: '0x88b5',
      info: 'Local Experimental Ethertype 1',
      source: '02:00:00:00:00:01',
      destination: '02:00:00:00:00:02',
    });
    const unknown = hex(`${'02 00 00 00 00 02 02 00 00 00 00 01'} 12 34 ${'61 '.repeat(46)}`);
    expect(summarizePacket(LINKTYPE.ETHERNET, unknown, unknown.length)).toMatchObject({
      protocol: '0x1234',
      info: 'Ethernet II',
    });
    expect(layerLabels(dissectPacket(LINKTYPE.ETHERNET, unknown, unknown.length).tree)[2]).toBe(
      'Data (46 bytes)',
    );
  });

  it('reports a frame shorter than its header as truncated or malformed, never throwing', () => {
    const cut = TCP_SYN.slice(0, 10);
    const truncated = dissectPacket(LINKTYPE.ETHERNET, cut, TCP_SYN.length);
    expect(layerLabels(truncated.tree)).toContain('[Packet size limited during capture: Ethernet truncated]');
    expect(truncated.fields.display('eth.dst')).toEqual(['02:00:00:00:00:02']);
    expect(truncated.fields.display('eth.src')).toEqual([]);
    const malformed = dissectPacket(LINKTYPE.ETHERNET, cut, cut.length);
    expect(layerLabels(malformed.tree)).toContain('[Malformed Packet: Ethernet]');
    expect(summarizePacket(LINKTYPE.ETHERNET, cut, cut.length).info).toBe('Ethernet II[Malformed Packet]');
  });
});

describe('802.1Q', () => {
  it('decodes priority, DEI and ID with Wireshark’s bit pictures, then the inner packet', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, VLAN_UDP, VLAN_UDP.length);
    expect(layerLabels(d.tree).slice(1, 4)).toEqual([
      'Ethernet II, Src: 02:00:00:00:00:01, Dst: 02:00:00:00:00:02',
      '802.1Q Virtual LAN, PRI: 5, DEI: 0, ID: 100',
      'Internet Protocol Version 4, Src: 10.0.0.1, Dst: 10.0.0.2',
    ]);
    expect(nodeFor(d.tree, 'vlan.priority').label).toBe(
      '101. .... .... .... = Priority: Voice, < 10ms latency and jitter (5)',
    );
    expect(nodeFor(d.tree, 'vlan.id').label).toBe('.... 0000 0110 0100 = ID: 100');
    expect(nodeFor(d.tree, 'vlan')).toMatchObject({ offset: 14, length: 4 });
    expect(d.fields.get('vlan.id')).toEqual([100]);
    expect(d.fields.display('vlan.etype')).toEqual(['0x0800']);
    expect(d.fields.display('eth.type')).toEqual(['0x8100']);
  });

  it('follows two stacked tags, each its own layer', () => {
    const frame = hex(
      '02 00 00 00 00 02 02 00 00 00 00 01' + // MACs
        '81 00 00 0a' + // outer tag, VLAN 10
        '81 00 00 14' + // inner tag, VLAN 20
        '08 06' + // ARP
        '00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00 00 02 00 00 00 00 00 00 0a 00 00 01',
    );
    const d = dissectPacket(LINKTYPE.ETHERNET, frame, frame.length);
    expect(d.fields.get('vlan.id')).toEqual([10, 20]);
    expect(d.summary).toMatchObject({ protocol: 'ARP', info: 'Who has 10.0.0.1? Tell 10.0.0.2' });
  });
});

describe('Linux cooked capture', () => {
  it('SLL v1: packet type, source address and protocol before the IPv4 packet', () => {
    const d = dissectPacket(LINKTYPE.LINUX_SLL, SLL_UDP, SLL_UDP.length);
    expect(d.tree[1]).toMatchObject({ label: 'Linux cooked capture v1', offset: 0, length: 16 });
    expect(nodeFor(d.tree, 'sll.pkttype').label).toBe('Packet type: Sent by us (4)');
    expect(nodeFor(d.tree, 'sll.etype').label).toBe('Protocol: IPv4 (0x0800)');
    expect(d.fields.display('sll.src.eth')).toEqual(['02:00:00:00:00:01']);
    expect(d.summary).toMatchObject({ protocol: 'UDP', info: '40000 → 9999 Len=2', source: '10.0.0.1' });
  });

  it('SLL v2: protocol first, interface index, one-byte packet type', () => {
    const d = dissectPacket(LINKTYPE.LINUX_SLL2, SLL2_UDP, SLL2_UDP.length);
    expect(d.tree[1]).toMatchObject({ label: 'Linux cooked capture v2', length: 20 });
    expect(d.fields.get('sll.ifindex')).toEqual([3]);
    expect(d.fields.get('sll.pkttype')).toEqual([0]);
    expect(d.fields.display('sll.src.eth')).toEqual(['02:00:00:00:00:02']);
    expect(d.fields.get('udp.dstport')).toEqual([9999]);
  });
});

describe('raw IP and unknown link types', () => {
  it('reads the IP version from the first nibble', () => {
    const d = dissectPacket(LINKTYPE.RAW, RAW_TCP_SYN, RAW_TCP_SYN.length);
    expect(layerLabels(d.tree).slice(1, 3)).toEqual([
      'Internet Protocol Version 4, Src: 10.0.0.1, Dst: 10.0.0.2',
      'Transmission Control Protocol, Src Port: 51000, Dst Port: 443, Seq: 1000, Len: 0',
    ]);
    expect(d.tree[1]?.offset).toBe(0);
  });

  it('shows bytes of a link type it does not know as data', () => {
    const d = dissectPacket(147, TCP_SYN, TCP_SYN.length);
    expect(layerLabels(d.tree)).toEqual([
      'Frame: 74 bytes on wire (592 bits), 74 bytes captured (592 bits)',
      'Data (74 bytes)',
    ]);
    expect(d.summary.info).toBe('Link type 147 is not decoded');
  });
});
