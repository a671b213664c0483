import { z } from 'zod';

/**
 * The JSON that iproute2 prints (`ip -j`, `tc -j`, `bridge -j`), parsed into the few fields the
 * engine uses. Unknown fields are ignored and missing optional ones stay undefined, so newer
 * iproute2 versions that add fields do not break us; a shape we cannot use throws with the command.
 */
function parseArray<T extends z.ZodType>(schema: T, text: string, what: string): z.infer<T>[] {
  // tc prints nothing at all (not `[]`) for a hook without filters on some versions.
  if (text.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what}: not JSON: ${(error as Error).message}`);
  }
  const parsed = z.array(schema).safeParse(json);
  if (!parsed.success) throw new Error(`${what}: unexpected JSON: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

const Counter = z.number().catch(0);

const LinkSchema = z.object({
  ifindex: z.number(),
  ifname: z.string(),
  flags: z.array(z.string()).default([]),
  mtu: z.number().optional(),
  master: z.string().optional(),
  ifalias: z.string().optional(),
  linkinfo: z
    .object({
      info_kind: z.string().optional(),
      info_data: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  stats64: z
    .object({
      tx: z.object({ packets: Counter, bytes: Counter, errors: Counter, dropped: Counter }).optional(),
    })
    .optional(),
});

export interface LinkInfo {
  index: number;
  name: string;
  kind?: string;
  flags: string[];
  mtu?: number;
  master?: string;
  alias?: string;
  /** VNI (VXLAN) or GRE key. */
  tunnelId?: number;
  /** VXLAN destination port. */
  port?: number;
  remote?: string;
  tx?: { packets: number; bytes: number; errors: number; dropped: number };
}

/** `ip -j -d [-s] link show`. */
export function parseLinks(text: string): LinkInfo[] {
  return parseArray(LinkSchema, text, 'ip -j link show').map((l) => {
    const data = l.linkinfo?.info_data ?? {};
    return {
      index: l.ifindex,
      name: l.ifname,
      kind: l.linkinfo?.info_kind,
      flags: l.flags,
      mtu: l.mtu,
      master: l.master,
      alias: l.ifalias,
      tunnelId: numberOf(data.id) ?? keyOf(data.okey) ?? keyOf(data.ikey),
      port: numberOf(data.port),
      remote: typeof data.remote === 'string' ? data.remote : undefined,
      tx: l.stats64?.tx,
    };
  });
}

const numberOf = (value: unknown) => (typeof value === 'number' ? value : undefined);

/** GRE keys print as dotted quads ("0.0.1.44" = 300). */
function keyOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const parts = value.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

const RouteSchema = z.object({
  type: z.string().optional(),
  dev: z.string().optional(),
  gateway: z.string().optional(),
});

/** `ip -j route get ADDR`: the device (and gateway) the kernel would send to ADDR through. */
export function parseRouteGet(text: string): { dev?: string; gateway?: string; type: string } | undefined {
  const route = parseArray(RouteSchema, text, 'ip -j route get')[0];
  return route && { dev: route.dev, gateway: route.gateway, type: route.type ?? 'unicast' };
}

const NeighbourSchema = z.object({
  dst: z.string(),
  dev: z.string().optional(),
  lladdr: z.string().optional(),
  state: z.array(z.string()).default([]),
});
export type Neighbour = z.infer<typeof NeighbourSchema>;

/** `ip -j neigh show ADDR dev DEV`. */
export function parseNeighbours(text: string): Neighbour[] {
  return parseArray(NeighbourSchema, text, 'ip -j neigh show');
}

const FdbSchema = z.object({
  mac: z.string(),
  ifname: z.string().optional(),
  master: z.string().optional(),
  flags: z.array(z.string()).default([]),
  state: z.string().optional(),
});
export type FdbEntry = z.infer<typeof FdbSchema>;

/** `bridge -j fdb show br BRIDGE`. */
export function parseFdb(text: string): FdbEntry[] {
  return parseArray(FdbSchema, text, 'bridge -j fdb show');
}

const QdiscSchema = z.object({ kind: z.string(), dev: z.string(), handle: z.string().optional() });
export type Qdisc = z.infer<typeof QdiscSchema>;

/** `tc -j qdisc show [dev DEV]`. */
export function parseQdiscs(text: string): Qdisc[] {
  return parseArray(QdiscSchema, text, 'tc -j qdisc show');
}

const Insn = z.object({ code: z.number(), jt: z.number(), jf: z.number(), k: z.number() });
const FilterSchema = z.object({
  pref: z.number(),
  kind: z.string(),
  chain: z.number().default(0),
  protocol: z.string().optional(),
  options: z
    .object({
      handle: z.union([z.string(), z.number()]).optional(),
      bytecode: z.object({ insns: z.array(Insn).default([]) }).optional(),
      actions: z
        .array(
          z.object({
            kind: z.string(),
            to_dev: z.string().optional(),
            cookie: z.string().optional(),
            control_action: z.object({ type: z.string() }).optional(),
            stats: z
              .object({ packets: Counter, bytes: Counter, drops: Counter, overlimits: Counter })
              .optional(),
          }),
        )
        .default([]),
    })
    .optional(),
});

export interface TcFilter {
  priority: number;
  chain: number;
  kind: string;
  handle?: number;
  /** Classic BPF as [code, jt, jf, k] per instruction. */
  insns: [number, number, number, number][];
  actions: {
    kind: string;
    toDev?: string;
    cookie?: string;
    control?: string;
    stats?: { packets: number; bytes: number; drops: number; overlimits: number };
  }[];
}

/**
 * `tc -j [-s] filter show dev DEV ingress|egress` (every chain). tc prints each priority twice:
 * a header without options, then one entry per filter; only the latter are returned.
 */
export function parseFilters(text: string): TcFilter[] {
  return parseArray(FilterSchema, text, 'tc -j filter show')
    .filter((f) => f.options !== undefined)
    .map((f) => ({
      priority: f.pref,
      chain: f.chain,
      kind: f.kind,
      handle: handleOf(f.options?.handle),
      insns: (f.options?.bytecode?.insns ?? []).map((i) => [i.code, i.jt, i.jf, i.k]),
      actions: (f.options?.actions ?? []).map((a) => ({
        kind: a.kind,
        toDev: a.to_dev,
        cookie: a.cookie,
        control: a.control_action?.type,
        stats: a.stats,
      })),
    }));
}

function handleOf(value: string | number | undefined): number | undefined {
  if (typeof value === 'number') return value;
  // u32 handles look like "800::800": not ours, and not a number.
  return value !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(value) ? Number(value) : undefined;
}
