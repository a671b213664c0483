import type { PipelinePacket, Stage } from './stage.js';
import { type TransportLayout, transportLayout } from './transport-layout.js';

export type MaskAnchor = 'frame' | 'l3' | 'l4' | 'l4-payload' | 'tcp-payload' | 'udp-payload';

export interface MaskOptions {
  regex: string[];
  ranges: Array<{ anchor: MaskAnchor; offset: number; length: number }>;
  fill: number;
}

const TCP = 6;
const UDP = 17;

/**
 * `--mask REGEX` overwrites every match inside TCP/UDP payloads with fill bytes of the same
 * length; `--mask-range PROTO:OFFSET:LEN` a fixed range from an anchor. Only masked bytes
 * change (lengths, headers and checksums stay as they were, so the capture still dissects).
 * A masked frame is a copy: the received bytes are never written.
 */
export class MaskStage implements Stage {
  readonly name = 'mask';
  private readonly patterns: RegExp[];

  constructor(private readonly options: MaskOptions) {
    this.patterns = options.regex.map((source) => new RegExp(source, 'gs'));
  }

  apply(packet: PipelinePacket): boolean {
    const layout = transportLayout(packet.linkType, packet.data);
    let out: Uint8Array | undefined;
    const fill = (start: number, end: number) => {
      if (end <= start) return;
      out ??= packet.data.slice();
      out.fill(this.options.fill, start, end);
    };
    for (const range of this.options.ranges) {
      const span = anchorSpan(range.anchor, layout, packet.data.length);
      if (!span) continue;
      const start = span.start + range.offset;
      fill(Math.min(start, span.end), Math.min(start + range.length, span.end));
    }
    if (this.patterns.length > 0 && layout.payload !== undefined && layout.payloadEnd !== undefined) {
      const { payload, payloadEnd } = layout;
      // latin1: one character per byte, so match indices are byte offsets.
      const text = Buffer.from(
        packet.data.buffer,
        packet.data.byteOffset + payload,
        payloadEnd - payload,
      ).toString('latin1');
      for (const pattern of this.patterns) {
        pattern.lastIndex = 0;
        for (const match of text.matchAll(pattern)) {
          if (match[0].length === 0) continue;
          fill(payload + match.index, payload + match.index + match[0].length);
        }
      }
    }
    if (out) packet.data = out;
    return true;
  }
}

function anchorSpan(
  anchor: MaskAnchor,
  layout: TransportLayout,
  length: number,
): { start: number; end: number } | undefined {
  const payloadSpan = (protocol?: number) =>
    layout.payload !== undefined &&
    layout.payloadEnd !== undefined &&
    (protocol === undefined || layout.protocol === protocol)
      ? { start: layout.payload, end: layout.payloadEnd }
      : undefined;
  switch (anchor) {
    case 'frame':
      return { start: 0, end: length };
    case 'l3':
      return layout.l3 === undefined ? undefined : { start: layout.l3, end: length };
    case 'l4':
      return layout.l4 === undefined ? undefined : { start: layout.l4, end: layout.payloadEnd ?? length };
    case 'l4-payload':
      return payloadSpan();
    case 'tcp-payload':
      return payloadSpan(TCP);
    case 'udp-payload':
      return payloadSpan(UDP);
  }
}
