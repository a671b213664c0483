import type { Payload } from '../api/contract.js';
import type { FileRef } from '../api/dto.js';
import { patch, type SliceCreator, valueOr } from './types.js';

export type Which = 'all' | 'displayed' | 'selected';

export interface CaptureSlice {
  capture: {
    /** What runs now, for the status line ("Saving 12 034 packets…"); null when idle. */
    busy: string | null;
    progress: { task: 'open' | 'save'; done: number; total: number | null } | null;
    save(which: Which): Promise<void>;
    open(): Promise<void>;
    openInWireshark(which: Which): Promise<void>;
    exportFlows(): Promise<void>;
    receiveProgress(progress: { task: 'open' | 'save'; done: number; total: number | null }): void;
  };
}

function timestampName(extension: string): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `clustertap-${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}.${extension}`;
}

export const createCaptureSlice: SliceCreator<CaptureSlice> = (set, get, deps) => {
  const { api } = deps;
  const nativeDialogs = () => get().connection.info?.features.nativeDialogs === true;
  const busy = (text: string | null) =>
    patch(set, 'capture', { busy: text, ...(text === null && { progress: null }) });

  /** The contract's `which`: marked packets, or the selected one when none are marked. */
  const whichOf = (which: Which): Payload<'capture.save'>['which'] | null => {
    if (which !== 'selected') return which;
    const { marked, selected } = get().packets;
    const numbers = marked.size > 0 ? [...marked].sort((a, b) => a - b) : selected ? [selected.number] : [];
    if (numbers.length === 0) {
      get().notices.push('error', 'No packet is selected: select one, or mark several with Ctrl+M.');
      return null;
    }
    return { selected: numbers };
  };

  /** Electron: the native Save dialog grants a file id; null when the user cancelled. */
  const saveTarget = async (kind: 'capture' | 'flows', name: string): Promise<FileRef | null | undefined> => {
    const choice = valueOr(
      get,
      await api.request('dialog.saveCapture', { kind, suggestedName: name }),
      'Choosing where to save',
    );
    return choice ? choice.file : undefined;
  };

  return {
    capture: {
      busy: null,
      progress: null,
      save: async (which) => {
        const what = whichOf(which);
        if (!what) return;
        let file: FileRef | undefined;
        if (nativeDialogs()) {
          const target = await saveTarget('capture', timestampName('pcapng'));
          if (!target) return;
          file = target;
        }
        busy('Saving packets as pcapng…');
        const result = await api.request('capture.save', { which: what, ...(file && { file }) });
        busy(null);
        const saved = valueOr(get, result, 'Saving the capture');
        if (!saved) return;
        if (saved.downloadUrl) deps.download(saved.downloadUrl);
        get().notices.push(
          'info',
          `Saved ${saved.packets.toLocaleString('en')} packets as pcapng${file ? ` to ${file.name}` : ''}.`,
        );
      },
      open: async () => {
        let file: FileRef | null | undefined;
        if (nativeDialogs()) {
          const choice = valueOr(
            get,
            await api.request('dialog.openCapture', {}),
            'Choosing a capture to open',
          );
          file = choice?.file;
        } else {
          const picked = await deps.pickFile();
          if (!picked) return;
          busy(`Uploading ${picked.name}…`);
          const uploaded = await deps.upload(picked);
          busy(null);
          file = valueOr(get, uploaded, `Uploading ${picked.name}`);
        }
        if (!file) return;
        busy(`Opening ${file.name}…`);
        const result = await api.request('capture.open', { file });
        busy(null);
        const opened = valueOr(get, result, `Opening ${file.name}`);
        if (opened)
          get().notices.push('info', `Opened ${file.name}: ${opened.packets.toLocaleString('en')} packets.`);
      },
      openInWireshark: async (which) => {
        const what = whichOf(which);
        if (!what) return;
        busy('Starting Wireshark…');
        const result = await api.request('capture.openInWireshark', { which: what });
        busy(null);
        const answer = valueOr(get, result, 'Opening in Wireshark');
        if (answer) get().notices.push(answer.launched ? 'info' : 'warning', answer.message);
      },
      exportFlows: async () => {
        let file: FileRef | undefined;
        if (nativeDialogs()) {
          const target = await saveTarget('flows', timestampName('csv'));
          if (!target) return;
          file = target;
        }
        busy('Exporting flows…');
        const result = await api.request('flows.export', file ? { file } : {});
        busy(null);
        const answer = valueOr(get, result, 'Exporting the flows');
        if (!answer) return;
        if (answer.downloadUrl) deps.download(answer.downloadUrl);
        get().notices.push('info', `Exported ${answer.flows.toLocaleString('en')} flows as CSV.`);
      },
      receiveProgress: (progress) => patch(set, 'capture', { progress }),
    },
  };
};
