import { z } from 'zod';
import { event, request } from './define.js';
import { FileRefSchema } from './files.js';

/**
 * The packet view: the store keeps every packet (metadata in memory, bytes spilled to disk); the
 * UI asks for the rows it shows (virtualized list), one packet's detail, and sets a display
 * filter (Wireshark syntax, separate from the capture filter). Stats arrive batched, never per
 * packet. Saving and opening captures go through file ids (contract/files.ts) or, in a browser,
 * downloads and uploads.
 */

export const PacketRowSchema = z.object({
  /** 1-based, like Wireshark's No. */
  number: z.number().int().positive(),
  /** Seconds since the first packet of the store. */
  time: z.number(),
  /** Seconds since the epoch. */
  epoch: z.number(),
  node: z.string(),
  namespace: z.string(),
  pod: z.string(),
  direction: z.enum(['ingress', 'egress', 'unknown']),
  /** The pcapng interface name ("node/namespace/pod (egress)"). */
  interfaceName: z.string(),
  source: z.string(),
  destination: z.string(),
  protocol: z.string(),
  length: z.number().int().nonnegative(),
  info: z.string(),
  /** Wireshark's default colouring rule that matched, with its colours (CSS hex). */
  colour: z.object({ rule: z.string(), foreground: z.string(), background: z.string() }).nullable(),
});

export type PacketRow = z.infer<typeof PacketRowSchema>;

export interface TreeNode {
  label: string;
  abbrev?: string | undefined;
  offset: number;
  length: number;
  children?: TreeNode[] | undefined;
}

export const TreeNodeSchema: z.ZodType<TreeNode> = z.lazy(() =>
  z.object({
    label: z.string(),
    abbrev: z.string().optional(),
    /** Byte range in the frame, for highlighting in the hex dump. */
    offset: z.number().int().nonnegative(),
    length: z.number().int().nonnegative(),
    children: z.array(TreeNodeSchema).optional(),
  }),
);

export const PacketStatsSchema = z.object({
  /** Packets in the store / shown by the display filter. */
  count: z.number().int().nonnegative(),
  displayed: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** Oldest packets dropped to stay within the store's limits. */
  droppedByLimit: z.number().int().nonnegative(),
  /** A display filter being applied to a large store: 0..1, null when done. */
  filtering: z.number().min(0).max(1).nullable(),
  displayFilter: z.string(),
  /** Where the packets come from: a live tap, an opened file, or nothing yet. */
  source: z.enum(['empty', 'live', 'file']),
  fileName: z.string().nullable(),
});

export type PacketStats = z.infer<typeof PacketStatsSchema>;

const WhichSchema = z.union([
  z.enum(['all', 'displayed']),
  z.strictObject({ selected: z.array(z.number().int().positive()).min(1).max(1_000_000) }),
]);

export const packets = {
  requests: {
    'packets.rows': request(
      z.strictObject({
        /** Index into the displayed packets (0-based). */
        start: z.number().int().nonnegative(),
        count: z.number().int().min(0).max(2000),
      }),
      z.object({ rows: z.array(PacketRowSchema), displayed: z.number().int().nonnegative() }),
      'The displayed packets from `start`: what the virtualized list renders.',
    ),
    'packets.detail': request(
      z.strictObject({ number: z.number().int().positive() }),
      z.object({
        row: PacketRowSchema,
        tree: z.array(TreeNodeSchema),
        /** The captured bytes, base64. */
        bytes: z.string(),
        originalLength: z.number().int().nonnegative(),
      }),
      'One packet: its protocol tree and bytes.',
    ),
    'packets.setDisplayFilter': request(
      z.strictObject({ filter: z.string().max(10_000) }),
      z.object({ displayed: z.number().int().nonnegative() }),
      'Shows only packets matching a display filter (Wireshark syntax); "" shows all. Invalid filters fail with the position.',
    ),
    'packets.checkDisplayFilter': request(
      z.strictObject({ filter: z.string().max(10_000) }),
      z.discriminatedUnion('valid', [
        z.object({ valid: z.literal(true) }),
        z.object({ valid: z.literal(false), message: z.string(), position: z.number().int().nonnegative() }),
      ]),
      'Checks a display filter as the user types.',
    ),
    'packets.clear': request(z.strictObject({}), z.object({}), 'Empties the store (a running tap goes on).'),
    'packets.stats': request(z.strictObject({}), PacketStatsSchema, 'The store as it is now.'),
    'capture.save': request(
      z.strictObject({
        which: WhichSchema,
        /** Electron: the file the Save dialog granted. Omitted in a browser: answered with a download URL. */
        file: FileRefSchema.optional(),
      }),
      z.object({ packets: z.number().int().nonnegative(), downloadUrl: z.string().nullable() }),
      'Writes packets as pcapng with pod-named interfaces.',
    ),
    'capture.open': request(
      z.strictObject({ file: FileRefSchema }),
      z.object({ packets: z.number().int().nonnegative() }),
      'Loads a pcap/pcapng file into the store (replacing what it held) to view and re-process offline.',
    ),
    'capture.openInWireshark': request(
      z.strictObject({ which: WhichSchema }),
      z.object({ launched: z.boolean(), message: z.string() }),
      'Writes the packets to a temporary pcapng and opens it in Wireshark (when it is installed on this machine).',
    ),
  },
  events: {
    'packets.changed': event(PacketStatsSchema, 'The store changed (at most every 100 ms).'),
    'capture.progress': event(
      z.object({
        task: z.enum(['open', 'save']),
        done: z.number().nonnegative(),
        total: z.number().nullable(),
      }),
      'Progress of a long open or save.',
    ),
  },
} as const;
