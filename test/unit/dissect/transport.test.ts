import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../main/capture/linktype.js';
import { dissectPacket, summarizePacket } from '../../../main/dissect/dissect.js';
import { HTTP_GET, TCP_SYN, VLAN_UDP } from '../../fixtures/dissect/frames.js';
import { concat, hex } from '../../fixtures/hex.js';
import { highlighted, nodeFor } from './support.js';

const ETH_IP_TCP = hex(
  '02 00 00 00 00 02 02 00 00 00 00 01 08 00' + // Ethernet, IPv4
    '45 00 00 28 00 01 00 00 40 06 00 00 0a 00 00 01 0a 00 00 02', // total length 40 = 20 + 20, TCP
);

/** A 20-byte TCP header 1000 → 2000 with the given flags (12 bits) and window. */
function tcp(flags: number, extra = ''): Uint8Array {
  return concat(
    ETH_IP_TCP,
    hex(
      '03 e8 07 d0' + // ports 1000 → 2000
        '00 00 00 64' + // sequence number 100
        '00 00 00 c8' + // acknowledgment number 200
        `5${flags.toString(16).padStart(3, '0')}` + // header length 20; flags
        '10 00' + // window 4096
        '00 00 00 07' + // checksum; urgent pointer 7
        extra,
    ),
  );
}

const info = (frame: Uint8Array) => summarizePacket(LINKTYPE.ETHERNET, frame, frame.length).info;

describe('TCP', () => {
  it('a SYN with options: Info and tree as Wireshark (absolute sequence numbers)', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, TCP_SYN, TCP_SYN.length);
    expect(d.summary).toEqual({
      protocol: 'TCP',
      info: '51000 → 443 [SYN] Seq=1000 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=1 TSecr=0 WS=128',
      source: '10.0.0.1',
      destination: '10.0.0.2',
    });
    const node = nodeFor(d.tree, 'tcp');
    expect(node).toMatchObject({
      label: 'Transmission Control Protocol, Src Port: 51000, Dst Port: 443, Seq: 1000, Len: 0',
      offset: 34,
      length: 40,
    });
    expect(nodeFor(d.tree, 'tcp.flags').label).toBe('Flags: 0x002 (SYN)');
    expect(nodeFor(d.tree, 'tcp.flags.syn').label).toBe('.... .... ..1. = Syn: Set');
    expect(nodeFor(d.tree, 'tcp.hdr_len').label).toBe('1010 .... = Header Length: 40 bytes (10)');
    expect(nodeFor(d.tree, 'tcp.options').label).toBe(
      'Options: (20 bytes), Maximum segment size, SACK permitted, Timestamps, No-Operation (NOP), Window scale',
    );
    expect(highlighted(TCP_SYN, nodeFor(d.tree, 'tcp.srcport'))).toBe('c738');
    expect(d.fields.get('tcp.port')).toEqual([51000, 443]);
    expect(d.fields.get('tcp.flags.syn')).toEqual([true]);
    expect(d.fields.get('tcp.flags.ack')).toEqual([false]);
    expect(d.fields.get('tcp.seq')).toEqual([1000]);
    expect(d.fields.get('tcp.options.mss_val')).toEqual([1460]);
    expect(d.fields.get('tcp.options.wscale.shift')).toEqual([7]);
    expect(d.fields.display('tcp.flags')).toEqual(['0x0002']);
    expect(d.colour).toBe('TCP SYN/FIN');
  });

  it('names every flag in Wireshark’s order, <None> when none is set', () => {
    expect(info(tcp(0x012))).toBe('1000 → 2000 [SYN, ACK] Seq=100 Ack=200 Win=4096 Len=0');
    expect(info(tcp(0x000))).toBe('1000 → 2000 [<None>] Seq=100 Win=4096 Len=0');
    expect(info(tcp(0x1ff))).toBe(
      '1000 → 2000 [FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE] Seq=100 Ack=200 Win=4096 Urg=7 Len=0',
    );
  });

  it('Len is the payload the IP length gives, even when the capture stops before it', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, HTTP_GET.slice(0, 60), HTTP_GET.length);
    expect(d.fields.get('tcp.len')).toEqual([47]);
    // HTTP is there (its method was captured) but sets the columns only after its first line.
    expect(d.fields.get('http.request.method')).toEqual(['GET']);
    expect(d.summary).toMatchObject({
      protocol: 'TCP',
      info: '51000 → 80 [PSH, ACK] Seq=1001 Ack=5001 Win=502 Len=47[Packet size limited during capture]',
    });
    expect(d.tree.at(-1)?.label).toBe('[Packet size limited during capture: HTTP truncated]');
  });

  it('a header cut by the snap length keeps the ports and says so', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, TCP_SYN.slice(0, 34 + 6), TCP_SYN.length);
    expect(d.fields.get('tcp.port')).toEqual([51000, 443]);
    expect(d.fields.get('tcp.seq')).toEqual([]);
    expect(d.fields.get('tcp.len')).toEqual([]);
    expect(d.summary.info).toBe('51000 → 443[Packet size limited during capture]');
    expect(d.tree.at(-1)?.label).toBe('[Packet size limited during capture: TCP truncated]');
  });

  it('a data offset below 5 words is malformed', () => {
    const bad = concat(ETH_IP_TCP, hex('03 e8 07 d0 00 00 00 64 00 00 00 c8 40 02 10 00 00 00 00 00'));
    const d = dissectPacket(LINKTYPE.ETHERNET, bad, bad.length);
    expect(d.tree.at(-1)?.children?.[0]?.label).toBe('Bogus TCP header length (16, must be at least 20)');
    expect(d.summary.info).toBe(
      '1000 → 2000 [SYN] Seq=100 Win=4096, bogus TCP header length (16, must be at least 20)',
    );
    expect(d.fields.get('tcp.seq')).toEqual([100]);
    expect(d.fields.get('tcp.ack')).toEqual([]);
    expect(d.fields.get('tcp.hdr_len')).toEqual([16]);
  });

  it('SACK blocks show as SLE/SRE pairs', () => {
    const ethIp = hex(
      '02 00 00 00 00 02 02 00 00 00 00 01 08 00 45 00 00 34 00 01 00 00 40 06 00 00 0a 00 00 01 0a 00 00 02',
    );
    const sack = concat(
      ethIp,
      hex(
        '03 e8 07 d0 00 00 00 64 00 00 00 c8' +
          '80 10 10 00 00 00 00 00' + // header length 32; ACK
          '01 01' + // NOP NOP
          '05 0a 00 00 00 64 00 00 00 c8', // SACK 100–200
      ),
    );
    expect(info(sack)).toBe('1000 → 2000 [ACK] Seq=100 Ack=200 Win=4096 Len=0 SLE=100 SRE=200');
  });
});

describe('UDP', () => {
  it('ports, length and checksum; Info "40000 → 9999 Len=2"', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, VLAN_UDP, VLAN_UDP.length);
    expect(nodeFor(d.tree, 'udp')).toMatchObject({
      label: 'User Datagram Protocol, Src Port: 40000, Dst Port: 9999',
      offset: 38,
      length: 8,
    });
    expect(nodeFor(d.tree, 'udp.length').label).toBe('Length: 10');
    expect(nodeFor(d.tree, 'data')).toMatchObject({ label: 'Data (2 bytes)', offset: 46, length: 2 });
    expect(nodeFor(d.tree, 'eth.padding')).toMatchObject({ offset: 48, length: 12 });
    expect(d.summary.info).toBe('40000 → 9999 Len=2');
    expect(d.fields.get('udp.port')).toEqual([40000, 9999]);
    expect(d.fields.get('udp.length')).toEqual([10]);
    expect(d.colour).toBe('UDP');
  });

  it('a length below 8 is malformed; one beyond the IP payload too', () => {
    const base = hex(
      '02 00 00 00 00 02 02 00 00 00 00 01 08 00 45 00 00 1e 00 01 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02',
    );
    const short = concat(base, hex('9c 40 27 0f 00 04 00 00 68 69'));
    expect(dissectPacket(LINKTYPE.ETHERNET, short, short.length).tree.at(-1)?.children?.[0]?.label).toBe(
      'Bogus UDP length (4, must be at least 8)',
    );
    const long = concat(base, hex('9c 40 27 0f 00 40 00 00 68 69'));
    expect(dissectPacket(LINKTYPE.ETHERNET, long, long.length).tree.at(-1)?.children?.[0]?.label).toBe(
      'Bad length value 64 > IP payload length',
    );
  });
});
