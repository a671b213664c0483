import type { TreeNode } from '../api/dto.js';

/** A field in the protocol tree by its child indexes from the top: [2, 0] = third layer, first field. */
export type FieldPath = readonly number[];

export const pathKey = (path: FieldPath): string => path.join('.');

export function nodeAt(tree: readonly TreeNode[], path: FieldPath): TreeNode | undefined {
  let nodes: readonly TreeNode[] | undefined = tree;
  let node: TreeNode | undefined;
  for (const index of path) {
    node = nodes?.[index];
    if (!node) return undefined;
    nodes = node.children;
  }
  return node;
}

function covers(node: TreeNode, offset: number): boolean {
  return node.length > 0 && offset >= node.offset && offset < node.offset + node.length;
}

/**
 * The field Wireshark selects when a byte in the hex pane is clicked: of every field whose byte
 * range holds `offset`, the deepest, and of equally deep ones the narrowest. (The Frame line covers
 * every byte but is never the answer when a protocol field covers it too.)
 */
export function deepestFieldAt(tree: readonly TreeNode[], offset: number): FieldPath | null {
  let best: { path: number[]; length: number } | null = null;
  const walk = (nodes: readonly TreeNode[], prefix: number[]) => {
    nodes.forEach((node, index) => {
      const path = [...prefix, index];
      if (covers(node, offset)) {
        const better =
          !best ||
          path.length > best.path.length ||
          (path.length === best.path.length && node.length < best.length);
        if (better) best = { path, length: node.length };
      }
      if (node.children) walk(node.children, path);
    });
  };
  walk(tree, []);
  return (best as { path: number[] } | null)?.path ?? null;
}

/** The key a subtree's expansion is remembered by across packets (Wireshark keeps `tcp.flags` open). */
export function expansionKey(tree: readonly TreeNode[], path: FieldPath): string {
  const names: string[] = [];
  let nodes: readonly TreeNode[] | undefined = tree;
  for (const index of path) {
    const node: TreeNode | undefined = nodes?.[index];
    if (!node) break;
    names.push(node.abbrev ?? node.label.split(':')[0] ?? node.label);
    nodes = node.children;
  }
  return names.join('/');
}

/** The path of the field with this expansion key in another packet's tree, if it has one. */
export function findByKey(tree: readonly TreeNode[], key: string): FieldPath | null {
  const wanted = key.split('/');
  const path: number[] = [];
  let nodes: readonly TreeNode[] | undefined = tree;
  for (const name of wanted) {
    const index: number =
      nodes?.findIndex((node) => (node.abbrev ?? node.label.split(':')[0] ?? node.label) === name) ?? -1;
    if (index < 0) return null;
    path.push(index);
    nodes = nodes?.[index]?.children;
  }
  return path;
}

/** The rows a tree shows with these subtrees expanded, in order (for rendering and arrow keys). */
export interface VisibleField {
  path: FieldPath;
  node: TreeNode;
  depth: number;
  expandable: boolean;
  expanded: boolean;
}

export function visibleFields(tree: readonly TreeNode[], expanded: ReadonlySet<string>): VisibleField[] {
  const out: VisibleField[] = [];
  const walk = (nodes: readonly TreeNode[], prefix: number[], depth: number) => {
    nodes.forEach((node, index) => {
      const path = [...prefix, index];
      const expandable = (node.children?.length ?? 0) > 0;
      const open = expandable && expanded.has(expansionKey(tree, path));
      out.push({ path, node, depth, expandable, expanded: open });
      if (open && node.children) walk(node.children, path, depth + 1);
    });
  };
  walk(tree, [], 0);
  return out;
}

/** Base64 (packets.detail bytes) to bytes, without Node's Buffer. */
export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
