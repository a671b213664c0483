import { type PipelinePacket, STAGE_ORDER, type Stage, type StageCounters } from './stage.js';

/**
 * Runs the configured stages in their fixed order, counting packets in and out of each, so
 * every packet is accounted for: in(n+1) = out(n), and in - out = dropped by that stage.
 */
export class Pipeline {
  private readonly stages: Stage[];
  private readonly counters: StageCounters[];

  constructor(stages: Stage[]) {
    this.stages = [...stages].sort((a, b) => STAGE_ORDER.indexOf(a.name) - STAGE_ORDER.indexOf(b.name));
    this.counters = this.stages.map((stage) => ({ stage: stage.name, in: 0, out: 0, modified: 0 }));
  }

  get empty(): boolean {
    return this.stages.length === 0;
  }

  /** true when the packet survives every stage; `packet.data` may have been replaced. */
  run(packet: PipelinePacket): boolean {
    for (let i = 0; i < this.stages.length; i++) {
      const counters = this.counters[i] as StageCounters;
      counters.in++;
      const before = packet.data;
      if (!(this.stages[i] as Stage).apply(packet)) return false;
      counters.out++;
      if (packet.data !== before) counters.modified++;
    }
    return true;
  }

  stats(): StageCounters[] {
    return this.counters.map((c) => ({ ...c }));
  }
}
