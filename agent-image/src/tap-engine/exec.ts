import { execFile } from 'node:child_process';

/**
 * Runs a command (with `input` on stdin), resolving with its stdout; rejects with an ExecError
 * carrying stderr and whatever stdout it printed.
 */
export type Exec = (command: string, args: readonly string[], input?: string) => Promise<string>;

export class ExecError extends Error {
  override name = 'ExecError';
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    /** What the tool printed on stderr (iproute2's reason: "File exists", "Cannot find device"). */
    readonly stderr: string,
    readonly stdout = '',
  ) {
    super(`${command} ${shorten(args.join(' '))}: ${stderr.trim().split('\n')[0] || 'failed'}`);
  }
}

/** Bytecode arguments run to kilobytes; a message needs the command's shape, not every word. */
function shorten(line: string): string {
  return line.length > 160 ? `${line.slice(0, 150)}…` : line;
}

/** execFile with a timeout: a hung `tc` must not stall the dead-man switch. */
export function defaultExec(timeoutMs = 5000): Exec {
  return (command, args, input) =>
    new Promise((resolve, reject) => {
      const child = execFile(
        command,
        [...args],
        { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 },
        (error, stdout, stderr) => {
          if (error) reject(new ExecError(command, args, stderr || error.message, stdout));
          else resolve(stdout);
        },
      );
      // A command that exits without reading stdin (not found, bad usage) makes the write fail
      // with EPIPE; its exit status already tells, so the stream error must not crash the agent.
      child.stdin?.on('error', () => {});
      child.stdin?.end(input ?? '');
    });
}

/** Runs every command inside a network namespace (tests; an agent that is not in the host netns). */
export function netnsExec(netns: string, base: Exec = defaultExec()): Exec {
  return async (command, args, input) => {
    try {
      return await base('ip', ['netns', 'exec', netns, command, ...args], input);
    } catch (error) {
      // Name the command that failed, not the `ip netns exec` wrapper.
      if (error instanceof ExecError) throw new ExecError(command, args, error.stderr, error.stdout);
      throw error;
    }
  };
}

export interface BatchResult {
  stdout: string;
  /** Index of each failed line → iproute2's reason. */
  failed: Map<number, string>;
}

/**
 * Runs many `ip` or `tc` commands in one process (`-force -batch -`: every line runs, a failed
 * one does not stop the rest), and says which lines failed and why. One process instead of one
 * per command is what keeps a node with a hundred pods within the verify budget.
 */
export async function runBatch(
  exec: Exec,
  tool: 'ip' | 'tc',
  lines: readonly (readonly string[])[],
  options: readonly string[] = [],
): Promise<BatchResult> {
  if (lines.length === 0) return { stdout: '', failed: new Map() };
  const input = `${lines.map(batchLine).join('\n')}\n`;
  try {
    return { stdout: await exec(tool, [...options, '-force', '-batch', '-'], input), failed: new Map() };
  } catch (error) {
    if (!(error instanceof ExecError)) throw error;
    const failed = new Map<number, string>();
    let reason: string[] = [];
    for (const text of error.stderr.split('\n')) {
      const mark = /^Command failed -:(\d+)$/.exec(text.trim());
      if (!mark) {
        if (text.trim() && !/error talking to the kernel/.test(text)) reason.push(text.trim());
        continue;
      }
      failed.set(Number(mark[1]) - 1, reason.join(' ') || 'failed');
      reason = [];
    }
    // Not a per-line failure (the tool itself could not run): nothing can be attributed.
    if (failed.size === 0) throw error;
    return { stdout: error.stdout, failed };
  }
}

/**
 * Runs `show`-like commands (JSON output) in one batch: each line's output, or an Error with the
 * reason for a line that failed. If the outputs cannot be lined up with the lines (a command
 * that printed nothing), they run one by one instead.
 */
export async function batchShow(
  exec: Exec,
  tool: 'ip' | 'tc',
  lines: readonly (readonly string[])[],
  options: readonly string[],
): Promise<(string | Error)[]> {
  const { stdout, failed } = await runBatch(exec, tool, lines, options);
  const outputs = stdout.split('\n').filter((text) => text.trim() !== '');
  if (outputs.length === lines.length - failed.size) {
    let next = 0;
    return lines.map((_, i) => {
      const reason = failed.get(i);
      return reason === undefined ? (outputs[next++] as string) : new Error(reason);
    });
  }
  return Promise.all(
    lines.map((line) =>
      exec(tool, [...options, ...line]).catch((error: unknown) =>
        error instanceof ExecError ? new Error(error.stderr.trim() || error.message) : (error as Error),
      ),
    ),
  );
}

/** One batch line: iproute2's batch parser splits on blanks, keeps "double-quoted" words whole,
 *  and has no escapes (so a word must not contain a quote, `#` or a line break). */
export function batchLine(args: readonly string[]): string {
  return args
    .map((a) => {
      if (/["#\n]/.test(a)) throw new Error(`cannot pass ${JSON.stringify(a)} in an iproute2 batch`);
      return /^[\w.:/@=+,-]+$/.test(a) ? a : `"${a}"`;
    })
    .join(' ');
}

/** The message of anything thrown, for a status line. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
