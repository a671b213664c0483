import { isIP } from 'node:net';
import { compileBpfProgram } from '../../../main/broker/filter/capture-filter.js';
import { bytecodeString } from './commands.js';

/** pcap LINKTYPE_ETHERNET: cls_bpf shows classic programs the frame from the MAC header on. */
const ETHERNET = 1;

export interface MirrorProgram {
  /** What libpcap compiled: the user's filter and the loop guard. */
  expression: string;
  /** For `tc filter … bpf bytecode`. */
  bytecode: string;
  insns: [number, number, number, number][];
}

/**
 * The classic BPF program of every mirror filter. The capture filter runs in the kernel, so
 * packets it rejects never leave the node. The guard keeps our own tunnel packets out even when
 * they cross a tapped interface (a collector that is itself a pod on this node): mirroring them
 * would mirror the mirror, for ever.
 */
export function compileMirrorProgram(
  tunnel: { collector: string; nodeIP: string; transport: 'vxlan' | 'gre'; port: number },
  filter: string | undefined,
  compile: (expression: string, linkType: number) => ArrayLike<number> = compileBpfProgram,
): MirrorProgram {
  const { collector, nodeIP, transport, port } = tunnel;
  if (isIP(collector) === 0) throw new Error(`collector address ${collector} is not an IP address`);
  // From the node to the collector is every tunnel packet, its IP fragments included; without
  // a node address, fall back to the tunnel's protocol (first fragments only).
  const ours = nodeIP
    ? `src host ${nodeIP} and dst host ${collector}`
    : transport === 'vxlan'
      ? `dst host ${collector} and udp dst port ${port}`
      : `dst host ${collector} and (ip proto 47 or ip6 proto 47)`;
  const user = filter?.trim();
  const expression = user ? `not (${ours}) and (${user})` : `not (${ours})`;
  const words = compile(expression, ETHERNET);
  const insns: MirrorProgram['insns'] = [];
  for (let i = 0; i + 3 < words.length; i += 4)
    insns.push([words[i] ?? 0, words[i + 1] ?? 0, words[i + 2] ?? 0, (words[i + 3] ?? 0) >>> 0]);
  return { expression, bytecode: bytecodeString(words), insns };
}
