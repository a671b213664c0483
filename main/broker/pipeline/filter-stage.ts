import { LINKTYPE } from '../../capture/linktype.js';
import { type CaptureFilter, compileCaptureFilter } from '../filter/capture-filter.js';
import type { PipelinePacket, Stage } from './stage.js';

/** `-f EXPR`: libpcap's verdict on the inner frame, for whatever link type it has. */
export class FilterStage implements Stage {
  readonly name = 'filter';

  constructor(private readonly filter: CaptureFilter) {}

  apply(packet: PipelinePacket): boolean {
    return this.filter.matches(packet.data, packet.originalLength, packet.linkType);
  }
}

/** Compiles for Ethernet (what VXLAN and L2GRE carry); throws FilterSyntaxError with libpcap's message. */
export function createFilterStage(expression: string): FilterStage {
  return new FilterStage(compileCaptureFilter(expression, LINKTYPE.ETHERNET));
}
