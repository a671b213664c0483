import path from 'node:path';

/** dumpcap-style ring buffer / rotation settings (`-b filesize:KB`, `-b duration:S`, `-b files:N`). */
export interface Rotation {
  fileSizeKB?: number;
  durationSeconds?: number;
  /** Keep at most this many files, deleting the oldest (ring buffer). */
  files?: number;
}

export function rotates(rotation: Rotation | undefined): rotation is Rotation {
  return (
    rotation !== undefined && (rotation.fileSizeKB !== undefined || rotation.durationSeconds !== undefined)
  );
}

/** dumpcap's naming: out.pcapng → out_00001_20261125183000.pcapng */
export function rotatedFileName(base: string, index: number, when: Date): string {
  const ext = path.extname(base) || '.pcapng';
  const stem = base.slice(0, base.length - path.extname(base).length);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const stamp =
    `${when.getFullYear()}${pad(when.getMonth() + 1)}${pad(when.getDate())}` +
    `${pad(when.getHours())}${pad(when.getMinutes())}${pad(when.getSeconds())}`;
  return `${stem}_${pad(index, 5)}_${stamp}${ext}`;
}
