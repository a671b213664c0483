import { addMirrorFilter, addQdiscMarker, deleteClsact, deleteFilter } from './commands.js';
import { batchShow, type Exec, runBatch } from './exec.js';
import type { SessionIdentity } from './identity.js';
import { parseFilters, type TcFilter } from './iproute-json.js';
import type { MirrorProgram } from './mirror-program.js';
import { HOOKS, type Hook } from './types.js';

/** The filters on each hook of each interface listed, or why that interface could not be read. */
export type Listing = Map<string, Record<Hook, TcFilter[]> | Error>;

/** A tc batch line, and what it is for (so a failure lands on the right pod). */
export interface TcLine<T> {
  line: string[];
  owner: T;
  /** A delete: if what it deletes is gone already, that is success. */
  removal?: boolean;
}

/** The mirror a pod wants on one hook. */
export interface WantedMirror {
  hook: Hook;
  handle: number;
  tunnel: string;
  /** Re-add even if it looks right (its device was re-created: mirred lost it). */
  force?: boolean;
}

/** Our tc filters and the clsact qdiscs they hang on; never anybody else's. */
export class MirrorFilters {
  constructor(
    private readonly exec: Exec,
    private readonly id: SessionIdentity,
  ) {}

  /** Both hooks of every interface, in one `tc -batch` (with `-s`: the action counters too). */
  async list(devs: readonly string[], stats = false): Promise<Listing> {
    const requests = devs.flatMap((dev) => HOOKS.map((hook) => ({ dev, hook })));
    const outputs = await batchShow(
      this.exec,
      'tc',
      requests.map((r) => ['filter', 'show', 'dev', r.dev, r.hook]),
      stats ? ['-s', '-j'] : ['-j'],
    );
    const listing: Listing = new Map();
    requests.forEach(({ dev, hook }, i) => {
      const output = outputs[i] ?? '';
      const entry = listing.get(dev) ?? { ingress: [], egress: [] };
      if (entry instanceof Error) return;
      try {
        if (output instanceof Error) throw new Error(`reading the filters of ${dev}: ${output.message}`);
        entry[hook] = parseFilters(output);
        listing.set(dev, entry);
      } catch (error) {
        listing.set(dev, error as Error);
      }
    });
    return listing;
  }

  /** A mirror filter of this session: our priority and our cookie on its mirred action. */
  isMirror(f: TcFilter): boolean {
    return (
      f.priority === this.id.priority &&
      f.chain === 0 &&
      f.actions.some((a) => a.kind === 'mirred' && a.cookie === this.id.cookie)
    );
  }

  /** The marker saying that we added this interface's clsact qdisc. */
  isMarker(f: TcFilter): boolean {
    return (
      f.priority === this.id.priority &&
      f.chain === this.id.markerChain &&
      f.insns[0]?.[3] === this.id.markerMagic
    );
  }

  /**
   * What makes `dev` carry exactly the wanted mirrors: deletes of our stale ones (an interface
   * or device change), adds of missing ones. Nobody else's filter is touched. `added` are the
   * hooks that get a new filter.
   */
  mirrorLines<T>(
    owner: T,
    dev: string,
    current: Record<Hook, TcFilter[]>,
    wanted: readonly WantedMirror[],
    program: MirrorProgram,
  ): { lines: TcLine<T>[]; added: Hook[] } {
    const lines: TcLine<T>[] = [];
    const added: Hook[] = [];
    for (const want of wanted) {
      const filters = current[want.hook];
      const good = want.force
        ? undefined
        : filters.find(
            (f) =>
              this.isMirror(f) &&
              f.handle === want.handle &&
              f.actions[0]?.toDev === want.tunnel &&
              f.actions[0]?.control === 'continue' &&
              sameProgram(f.insns, program.insns),
          );
      for (const f of filters)
        if (f !== good && this.isMirror(f))
          lines.push({ line: this.deleteLine(dev, want.hook, f), owner, removal: true });
      if (good) continue;
      // Our priority taken by someone's filter of another kind would make `add` fail obscurely.
      const squatter = filters.find(
        (f) => f.priority === this.id.priority && f.chain === 0 && f.kind !== 'bpf',
      );
      if (squatter)
        throw new Error(
          `priority ${this.id.priority} on ${dev} ${want.hook} is taken by a ${squatter.kind} filter`,
        );
      lines.push({
        line: addMirrorFilter(dev, want.hook, this.id, want.handle, program.bytecode, want.tunnel).args,
        owner,
      });
      added.push(want.hook);
    }
    return { lines, added };
  }

  /** Marks a clsact qdisc we just added (see addQdiscMarker). */
  markerLine<T>(owner: T, dev: string): TcLine<T> {
    return { line: addQdiscMarker(dev, this.id).args, owner };
  }

  /** Deletes of our mirror filters on `dev` (the qdisc and its marker stay: pause). */
  removeMirrorLines<T>(owner: T, dev: string, current: Record<Hook, TcFilter[]>): TcLine<T>[] {
    return HOOKS.flatMap((hook) =>
      current[hook]
        .filter((f) => this.isMirror(f))
        .map((f) => ({ line: this.deleteLine(dev, hook, f), owner, removal: true })),
    );
  }

  /**
   * Deletes of everything of ours on `dev`, and of its clsact qdisc if we added it (`owned`, or
   * our marker says so after a restart) and nobody else's filter is on it.
   */
  removeAllLines<T>(owner: T, dev: string, current: Record<Hook, TcFilter[]>, owned: boolean) {
    const lines: TcLine<T>[] = [];
    let marked = owned;
    let foreign = false;
    let filters = 0;
    for (const hook of HOOKS)
      for (const f of current[hook]) {
        if (this.isMarker(f)) marked = true;
        else if (this.isMirror(f)) filters++;
        else {
          foreign = true;
          continue;
        }
        lines.push({ line: this.deleteLine(dev, hook, f), owner, removal: true });
      }
    const qdisc = marked && !foreign;
    if (qdisc) lines.push({ line: deleteClsact(dev).args, owner, removal: true });
    return { lines, filters, qdisc };
  }

  /** Runs the lines in one `tc -batch`; returns each owner's first failure (a removal of what is gone is none). */
  async apply<T>(lines: readonly TcLine<T>[]): Promise<Map<T, string>> {
    const { failed } = await runBatch(
      this.exec,
      'tc',
      lines.map((l) => l.line),
    );
    const failures = new Map<T, string>();
    for (const [index, reason] of failed) {
      const l = lines[index];
      if (!l || (l.removal && isGone(reason)) || failures.has(l.owner)) continue;
      failures.set(l.owner, `tc ${l.line.slice(0, 6).join(' ')} …: ${reason}`);
    }
    return failures;
  }

  private deleteLine(dev: string, hook: Hook, f: TcFilter): string[] {
    if (f.handle === undefined) throw new Error(`a filter of ours on ${dev} ${hook} has no handle`);
    return deleteFilter(dev, hook, f.priority, f.handle, f.chain).args;
  }
}

export function sameProgram(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): boolean {
  return (
    a.length === b.length &&
    a.every((insn, i) => insn.every((word, j) => word >>> 0 === (b[i]?.[j] ?? -1) >>> 0))
  );
}

/** The thing to delete is not there (filter, qdisc or the whole interface). */
export function isGone(error: unknown): boolean {
  const text = typeof error === 'string' ? error : (error as Error).message;
  return /no such file|cannot find|not found|invalid handle|does not exist/i.test(text);
}
