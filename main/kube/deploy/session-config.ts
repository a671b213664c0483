import { z } from 'zod';
import { SelectionSchema } from '../../policy/policy-schema.js';

/**
 * What a tap session tells its agents, through the session ConfigMap (key `session.json`).
 * Shared by the deployer (writes it) and the agent (validates it before acting on it).
 */
export const SESSION_CONFIG_KEY = 'session.json';
export const SESSION_CONFIG_DIR = '/etc/clustertap';

export const TransportSchema = z.enum(['vxlan', 'gre', 'api']);
export type Transport = z.infer<typeof TransportSchema>;

export const SessionConfigSchema = z
  .object({
    version: z.literal(1),
    sessionId: z.string().regex(/^[a-z0-9]{4,16}$/),
    selection: SelectionSchema,
    collector: z.object({ address: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict(),
    transport: TransportSchema,
    /** First tunnel ID of the session; the agent allocates one per (pod interface, direction) above it. */
    tunnelIdBase: z.number().int().min(1).max(0xffffff),
    /** Capture filter (tcpdump syntax) the agent compiles into its tc filters. */
    filter: z.string().optional(),
    lease: z.object({ name: z.string(), ttlSeconds: z.number().int().min(5).max(3600) }).strict(),
    /** Port of the agent's health endpoint on the node (hostNetwork: it must differ per session). */
    healthPort: z.number().int().min(1024).max(65535),
  })
  .strict();

export type SessionConfig = z.infer<typeof SessionConfigSchema>;
