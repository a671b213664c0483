import { sh } from './run.js';

/** One packet as the real tools (tcpdump for bytes, tshark for metadata) read it from a file. */
export interface PeerFrame {
  hex: string;
  interfaceName: string;
  direction: string;
  length: number;
  capturedLength: number;
}

/** Hex of every packet in the file, via `tcpdump -r FILE -xx` (libpcap reads pcap and pcapng). */
export function framesViaTcpdump(file: string): string[] {
  const out = sh('tcpdump', ['-r', file, '-nn', '-xx', '-t']);
  const frames: string[] = [];
  for (const line of out.split('\n')) {
    const hexLine = /^\s+0x[0-9a-f]+:\s+((?:[0-9a-f]{2,4}\s?)+)/.exec(line);
    if (hexLine?.[1]) frames[frames.length - 1] += hexLine[1].replace(/\s+/g, '');
    else if (line.trim() !== '') frames.push('');
  }
  return frames;
}

/** Interface name, direction and lengths of every packet, via tshark. */
export function metadataViaTshark(file: string): Omit<PeerFrame, 'hex'>[] {
  const out = sh('tshark', [
    '-r',
    file,
    '-T',
    'fields',
    '-E',
    'separator=|',
    '-e',
    'frame.interface_name',
    '-e',
    'frame.packet_flags_direction',
    '-e',
    'frame.len',
    '-e',
    'frame.cap_len',
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [interfaceName = '', direction = '', length = '0', capturedLength = '0'] = line.split('|');
      return { interfaceName, direction, length: Number(length), capturedLength: Number(capturedLength) };
    });
}

/** Both views zipped; fails loudly if the two tools disagree on the packet count. */
export function readWithPeers(file: string): PeerFrame[] {
  const hex = framesViaTcpdump(file);
  const meta = metadataViaTshark(file);
  if (hex.length !== meta.length)
    throw new Error(`tcpdump saw ${hex.length} packets, tshark ${meta.length} in ${file}`);
  return meta.map((m, i) => ({ ...m, hex: hex[i] ?? '' }));
}

/** capinfos must accept the file; returns its packet count. */
export function capinfosPacketCount(file: string): number {
  const out = sh('capinfos', ['-c', '-M', file]);
  const match = /Number of packets:\s+(\d+)/.exec(out);
  if (!match) throw new Error(`capinfos could not read ${file}: ${out}`);
  return Number(match[1]);
}

/** Every packet's bytes and interface via tshark's JSON (works where interfaces differ in link type). */
export function rawFramesViaTshark(
  file: string,
): Array<{ interfaceName: string; encapType: number; hex: string }> {
  const packets = JSON.parse(sh('tshark', ['-r', file, '-T', 'json', '-x'])) as Array<{
    _source: { layers: { frame_raw: [string]; frame: Record<string, unknown> } };
  }>;
  return packets.map(({ _source: { layers } }) => {
    const tree = layers.frame['frame.interface_id_tree'] as Record<string, string> | undefined;
    return {
      interfaceName: tree?.['frame.interface_name'] ?? '',
      encapType: Number(layers.frame['frame.encap_type']),
      hex: layers.frame_raw[0],
    };
  });
}
