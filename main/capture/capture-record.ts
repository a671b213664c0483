import type { Timestamp } from './timestamp.js';

/** One packet read from a pcap or pcapng file. */
export interface CaptureRecord {
  /** Index of the interface within the file (pcap files have only 0). */
  interfaceIndex: number;
  interfaceName: string;
  interfaceDescription?: string;
  linkType: number;
  snapLength: number;
  timestamp: Timestamp;
  data: Uint8Array;
  originalLength: number;
  /** epb_flags, 0 when absent. */
  flags: number;
}

/** Thrown when a file cannot be read at all; `message` is one line a user can act on. */
export class CaptureFileError extends Error {
  override name = 'CaptureFileError';
}

/** Largest packet we accept from a file; anything larger is a corrupt length field. */
export const MAX_RECORD_LENGTH = 256 * 1024;
