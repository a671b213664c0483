import { z } from 'zod';

/**
 * The one capture policy (DESIGN.md "main/policy/"): shared by the app, the CLI and the agent,
 * validated wherever it crosses a boundary. Stages run in a fixed order:
 *   filter → dedup → sample → slice → mask → sinks (pcapng, flows, forwarders)
 */
export const POLICY_VERSION = 1;

const HostPort = z
  .string()
  .regex(
    /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):\d{1,5}$/,
    'expected HOST:PORT, e.g. 192.0.2.10:2055 or [2001:db8::1]:4739',
  );

export const SelectionSchema = z
  .object({
    namespaces: z.array(z.string().min(1)).default([]),
    labelSelector: z.string().optional(),
    pods: z.array(z.string().regex(/^[^/]+\/[^/]+$/, 'expected NAMESPACE/POD')).default([]),
  })
  .strict()
  .describe('Which pods to tap; filled in by the app (or `clustertap tap`).');

export const DedupSchema = z
  .object({
    windowMs: z.number().positive().max(1000).default(10),
  })
  .strict()
  .describe(
    'Drop a second sighting of the same frame within the window, ignoring TTL/hop limit and the IPv4 checksum.',
  );

export const SampleSchema = z
  .object({
    mode: z.enum(['every', 'random']).default('every'),
    /** Keep 1 packet in N. */
    oneIn: z.number().int().min(1).max(1_000_000).default(1),
    /** Random mode: seed for repeatable sampling; omitted = seeded from the clock. */
    seed: z.number().int().optional(),
    /** Cap: at most this many packets per second (token bucket). */
    maxPacketsPerSecond: z.number().int().positive().optional(),
  })
  .strict();

export const MaskRangeSchema = z
  .object({
    anchor: z.enum(['frame', 'l3', 'l4', 'tcp-payload', 'udp-payload', 'l4-payload']),
    offset: z.number().int().min(0),
    length: z.number().int().min(1),
  })
  .strict();

export const MaskSchema = z
  .object({
    /** Regular expressions (JavaScript syntax) matched against L4 payloads as latin1 text. */
    regex: z.array(z.string().min(1)).default([]),
    ranges: z.array(MaskRangeSchema).default([]),
    /** The byte written over masked bytes. */
    fill: z.number().int().min(0).max(255).default(0x2a),
  })
  .strict();

export const ExportSchema = z
  .object({
    ipfix: z.array(HostPort).default([]),
    netflow9: z.array(HostPort).default([]),
    activeTimeoutSeconds: z.number().positive().default(1800),
    inactiveTimeoutSeconds: z.number().positive().default(15),
  })
  .strict();

export const ForwardSchema = z
  .object({
    url: z
      .string()
      .regex(
        /^(vxlan|gre|pcap-over-ip):\/\//,
        'expected vxlan://HOST:PORT?vni=N, gre://HOST?key=K or pcap-over-ip://HOST:PORT',
      ),
    filter: z.string().optional(),
  })
  .strict();

export const PolicySchema = z
  .object({
    version: z.literal(POLICY_VERSION),
    selection: SelectionSchema.default({ namespaces: [], pods: [] }),
    /** Capture filter in tcpdump/libpcap syntax, applied to the inner frame. */
    filter: z.string().optional(),
    dedup: DedupSchema.optional(),
    sample: SampleSchema.optional(),
    /** Keep the first N bytes of each frame (the original length is kept, like editcap -s). */
    slice: z.number().int().min(1).max(262_144).optional(),
    mask: MaskSchema.optional(),
    export: ExportSchema.optional(),
    forward: z.array(ForwardSchema).default([]),
  })
  .strict();

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
