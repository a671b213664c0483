import { type Dissection, dissectPacket } from '../../../main/dissect/dissect.js';
import type { DissectionNode } from '../../../main/dissect/types.js';
import type { Frame } from '../../fixtures/dissect/frames.js';

export function dissect(frame: Frame, originalLength = frame.bytes.length): Dissection {
  return dissectPacket(frame.linkType, frame.bytes, originalLength);
}

/** Every node of the tree, depth first. */
export function allNodes(tree: DissectionNode[]): DissectionNode[] {
  const out: DissectionNode[] = [];
  const walk = (nodes: DissectionNode[]) => {
    for (const n of nodes) {
      out.push(n);
      if (n.children) walk(n.children);
    }
  };
  walk(tree);
  return out;
}

/** The first node showing `abbrev`; throws (failing the test) when there is none. */
export function nodeFor(tree: DissectionNode[], abbrev: string): DissectionNode {
  const found = allNodes(tree).find((n) => n.abbrev === abbrev);
  if (!found) throw new Error(`no node for ${abbrev} in ${JSON.stringify(tree.map((n) => n.label))}`);
  return found;
}

/** Labels of the top-level nodes: the protocol stack as the detail pane lists it. */
export function layerLabels(tree: DissectionNode[]): string[] {
  return tree.map((n) => n.label);
}

/** The bytes a node highlights, as hex. */
export function highlighted(frame: Uint8Array, n: DissectionNode): string {
  return Buffer.from(frame.subarray(n.offset, n.offset + n.length)).toString('hex');
}
