import { z } from 'zod';
import { PolicySchema, SelectionSchema } from '../../policy/policy-schema.js';
import { request } from './define.js';

/**
 * What the UI remembers between runs (main/app/settings-store.ts keeps it in a JSON file: the
 * Electron userData directory, or ~/.config/clustertap/ for serve). The window geometry is kept
 * too but is the shell's business, not the UI's.
 */

export const ColumnSchema = z.object({
  id: z.string().min(1).max(100),
  width: z.number().int().min(10).max(10_000).optional(),
  visible: z.boolean(),
});

export const UiSettingsSchema = z.object({
  /** The context used last; set by contexts.use, read-only here. */
  lastContext: z.string().nullable(),
  /** The pods selected to tap, per context name. */
  selections: z.record(z.string(), SelectionSchema),
  /** Column layout per table id (`packets`, `flows`, `pods`…), in display order. */
  columns: z.record(z.string(), z.array(ColumnSchema).max(200)),
  /** The capture policy last used (filter, slice, mask…), normalized; null when none. */
  policy: PolicySchema.nullable(),
});

export type UiSettings = z.infer<typeof UiSettingsSchema>;

export const settings = {
  requests: {
    'settings.get': request(z.strictObject({}), UiSettingsSchema, 'The remembered UI state.'),
    'settings.update': request(
      z.strictObject({
        /** Merged per context; null forgets that context's selection. */
        selections: z.record(z.string(), SelectionSchema.nullable()).optional(),
        /** Merged per table; null forgets that table's layout. */
        columns: z.record(z.string(), z.array(ColumnSchema).max(200).nullable()).optional(),
        /** Replaces the policy (validated like `--policy`); null forgets it. */
        policy: PolicySchema.nullable().optional(),
      }),
      UiSettingsSchema,
      'Changes part of the remembered UI state and answers with all of it; saved to disk within a moment.',
    ),
  },
  events: {},
} as const;
