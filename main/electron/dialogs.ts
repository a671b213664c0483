import type { BrowserWindow, Dialog } from 'electron';
import type { NativeDialogs } from '../app/app-core.js';

/** The native Open/Save dialogs behind the contract's dialog.* channels (the core grants file ids). */
export function nativeDialogs(
  dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>,
  window: () => BrowserWindow | undefined,
): NativeDialogs {
  const captures = [
    { name: 'Captures (pcapng, pcap)', extensions: ['pcapng', 'pcap', 'cap'] },
    { name: 'All files', extensions: ['*'] },
  ];
  return {
    async openCapture() {
      const owner = window();
      const options = { title: 'Open capture', properties: ['openFile' as const], filters: captures };
      const answer = owner
        ? await dialog.showOpenDialog(owner, options)
        : await dialog.showOpenDialog(options);
      return answer.canceled ? null : (answer.filePaths[0] ?? null);
    },
    async save(kind, suggestedName) {
      const owner = window();
      const options =
        kind === 'flows'
          ? {
              title: 'Export flows',
              defaultPath: suggestedName ?? 'flows.csv',
              filters: [
                { name: 'CSV', extensions: ['csv'] },
                { name: 'JSON', extensions: ['json'] },
              ],
            }
          : {
              title: 'Save capture',
              defaultPath: suggestedName ?? 'capture.pcapng',
              filters: captures.slice(0, 1),
            };
      const answer = owner
        ? await dialog.showSaveDialog(owner, options)
        : await dialog.showSaveDialog(options);
      return answer.canceled || !answer.filePath ? null : answer.filePath;
    },
  };
}
