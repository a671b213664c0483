import type { PipelinePacket, Stage } from './stage.js';

/** `--slice N`: keep the first N bytes; the original length stays, as with editcap -s. */
export class SliceStage implements Stage {
  readonly name = 'slice';

  constructor(private readonly length: number) {}

  apply(packet: PipelinePacket): boolean {
    if (packet.data.length > this.length) packet.data = packet.data.subarray(0, this.length);
    return true;
  }
}
