import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './config.js';

/**
 * What the harness made for a pod, written before it makes it (so a crash mid-way is still
 * cleaned up): $LAB_DIR/pods/<uid>/record.json. The records are also the IP allocations.
 */
export interface PodRecord {
  namespace: string;
  name: string;
  uid: string;
  node: string;
  /** Pod IP (the node's IP for hostNetwork pods). */
  ip: string;
  /** Host-side veth in the node namespace; 'eth0' for hostNetwork pods. */
  hostInterface: string | null;
  /** The pod's namespace (the node's for hostNetwork pods). */
  netns: string;
  nodeNetns: string;
  hostNetwork: boolean;
}

/** One entry of $LAB_DIR/pods.json, what `lab status` and the tests read. */
export type PodsJsonEntry = Pick<
  PodRecord,
  'namespace' | 'name' | 'uid' | 'node' | 'ip' | 'hostInterface' | 'netns'
>;

/** A container process the harness started: kill it by pid only if it is still the same process. */
export interface ProcessRecord {
  pid: number;
  startTime: string;
}

export const recordFile = (podsDir: string, uid: string) => path.join(podsDir, uid, 'record.json');
const pidsFile = (podsDir: string, uid: string) => path.join(podsDir, uid, 'pids.json');

export function saveRecord(podsDir: string, record: PodRecord): void {
  writeFileAtomic(recordFile(podsDir, record.uid), `${JSON.stringify(record, null, 2)}\n`);
}

export function loadRecords(podsDir: string): PodRecord[] {
  if (!fs.existsSync(podsDir)) return [];
  return fs
    .readdirSync(podsDir)
    .map((uid) => {
      try {
        return JSON.parse(fs.readFileSync(recordFile(podsDir, uid), 'utf8')) as PodRecord;
      } catch {
        return undefined;
      }
    })
    .filter((r): r is PodRecord => r !== undefined);
}

/** /proc/PID/stat field 22: the process start time, which tells a reused PID apart. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function savePids(podsDir: string, uid: string, pids: number[]): void {
  const records = pids.map((pid) => ({ pid, startTime: processStartTime(pid) ?? '' }));
  writeFileAtomic(pidsFile(podsDir, uid), `${JSON.stringify(records)}\n`);
}

/** SIGKILLs the process groups an earlier harness run left (harness killed with SIGKILL). */
export function killLeftovers(podsDir: string, uid: string): number {
  let killed = 0;
  try {
    const records = JSON.parse(fs.readFileSync(pidsFile(podsDir, uid), 'utf8')) as ProcessRecord[];
    for (const { pid, startTime } of records)
      if (startTime && processStartTime(pid) === startTime) {
        for (const target of [-pid, pid])
          try {
            process.kill(target, 'SIGKILL');
          } catch {
            // not a group leader, or gone already
          }
        killed++;
      }
  } catch {
    // no pids file, or the processes are gone
  }
  return killed;
}
