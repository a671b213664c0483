import { z } from 'zod';

/**
 * A file the user chose (native dialog) or uploaded (serve), named by an opaque id the core
 * issued. The UI never sends paths: a compromised page cannot ask the core to read or write an
 * arbitrary file, only one the user picked. Channels that open or save captures take the id.
 */
export const FileRefSchema = z.object({
  /** One-time id from main/app/file-grants.ts. */
  id: z.string().min(1).max(100),
  /** The file's base name, for display. */
  name: z.string(),
  /** Bytes, when the file exists already (open/upload); null for a save target. */
  size: z.number().int().nonnegative().nullable(),
});

export type FileRef = z.infer<typeof FileRefSchema>;
