import { z } from 'zod';
import { request } from './define.js';

/** Capture filters in tcpdump/libpcap syntax, checked by libpcap itself. */

export const FilterValidationSchema = z.discriminatedUnion('valid', [
  z.object({
    valid: z.literal(true),
    expression: z.string(),
    /** Classic BPF instructions libpcap compiled it to (optimized, as tcpdump -d shows). */
    instructions: z.number().int().nonnegative(),
  }),
  z.object({
    valid: z.literal(false),
    expression: z.string(),
    /** libpcap's own message, e.g. "syntax error in filter expression: syntax error". */
    message: z.string(),
  }),
]);

export type FilterValidation = z.infer<typeof FilterValidationSchema>;

export const filter = {
  requests: {
    'filter.validate': request(
      z.strictObject({
        expression: z.string().max(65_536),
        /** pcap LINKTYPE_ of the frames it will see: 1 Ethernet (default), 101 raw IP. */
        linkType: z.number().int().min(0).max(65_535).default(1),
      }),
      FilterValidationSchema,
      "Compiles a capture filter with libpcap: valid, or libpcap's message. An empty expression is valid (everything passes).",
    ),
  },
  events: {},
} as const;
