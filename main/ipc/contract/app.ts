import { z } from 'zod';
import { request } from './define.js';

/** The app itself: what runs, where, and what this mode can do. */

export const AppInfoSchema = z.object({
  name: z.literal('ClusterTap'),
  version: z.string(),
  /** `electron`: the desktop window; `serve`: a browser talking to `clustertap serve`. */
  mode: z.enum(['electron', 'serve']),
  /** process.platform of the core (linux, darwin, win32). */
  platform: z.string(),
  arch: z.string(),
  versions: z.object({ node: z.string(), electron: z.string().nullable() }),
  features: z.object({
    /** dialog.openCapture / dialog.saveCapture answer (Electron only). */
    nativeDialogs: z.boolean(),
    /** The browser saves captures through one-time `/download/<id>` URLs (serve only). */
    downloads: z.boolean(),
    /** The browser opens capture files by `POST /upload` (serve only). */
    uploads: z.boolean(),
  }),
});

export const app = {
  requests: {
    'app.info': request(z.strictObject({}), AppInfoSchema, 'Version, mode (electron | serve), platform.'),
  },
  events: {},
} as const;
