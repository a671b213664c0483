import type { Result } from '../api/contract.js';
import type { FileRef } from '../api/dto.js';

/**
 * Files in a browser (clustertap serve): saving follows the one-time /download URL the core gave,
 * opening uploads the chosen file to POST /upload for a file id (main/serve/transfers.ts). In
 * Electron the native dialogs grant file ids instead and none of this runs.
 */

export function followDownload(url: string): void {
  const link = document.createElement('a');
  link.href = url;
  // The server names the file (Content-Disposition); `download` keeps the page where it is.
  link.download = '';
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}

export function pickCaptureFile(): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = '.pcap,.pcapng,.cap,.pcap.gz,.pcapng.gz,application/vnd.tcpdump.pcap';
    input.addEventListener('change', () => resolve(input.files?.[0] ?? null), { once: true });
    input.addEventListener('cancel', () => resolve(null), { once: true });
    input.click();
  });
}

export async function uploadCapture(file: File): Promise<Result<FileRef>> {
  try {
    const response = await fetch(`/upload?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      // serve refuses uploads without it: no cross-site form can send this header.
      headers: { 'X-ClusterTap': '1', 'Content-Type': 'application/octet-stream' },
      body: file,
      credentials: 'same-origin',
    });
    const answer = (await response.json().catch(() => null)) as Result<FileRef> | null;
    if (answer && typeof answer.ok === 'boolean') return answer;
    return {
      ok: false,
      error: { kind: 'io', message: `the upload of ${file.name} failed (HTTP ${response.status})` },
    };
  } catch (error) {
    return {
      ok: false,
      error: {
        kind: 'disconnected',
        message: `cannot upload ${file.name}: ${error instanceof Error ? error.message : String(error)}`,
      },
    };
  }
}
