import { z } from 'zod';
import { event, request } from './define.js';
import { FileRefSchema } from './files.js';

/**
 * What the desktop shell adds: menu commands forwarded to the UI, and native file dialogs
 * (Electron only; in a browser, `app.info` says so and the UI uses downloads and uploads).
 */

export const menuCommands = ['open-capture', 'save-capture', 'export-flows'] as const;
export type MenuCommand = (typeof menuCommands)[number];

const FileChoiceSchema = z.object({
  /** null when the user cancelled the dialog. */
  file: FileRefSchema.nullable(),
});

export const shell = {
  requests: {
    'dialog.openCapture': request(
      z.strictObject({}),
      FileChoiceSchema,
      'The native Open dialog for pcap/pcapng files; answers with a file id to open (or null).',
      { electronOnly: true },
    ),
    'dialog.saveCapture': request(
      z.strictObject({
        /** What is saved: picks the filters and default extension. */
        kind: z.enum(['capture', 'flows']).default('capture'),
        suggestedName: z
          .string()
          .max(255)
          .regex(/^[^/\\\0]*$/, 'a file name, without directories')
          .optional(),
      }),
      FileChoiceSchema,
      'The native Save dialog; answers with a file id to write to (or null).',
      { electronOnly: true },
    ),
  },
  events: {
    'menu.command': event(
      z.object({ command: z.enum(menuCommands) }),
      'A menu item or its shortcut (File ▸ Open capture…, Save capture…, Export flows…) was used; the UI carries it out.',
    ),
  },
} as const;
