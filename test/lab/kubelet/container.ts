import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { kubeTime, type Log } from './config.js';
import { containerId } from './naming.js';

/** What a (re)start needs; prepared fresh for every start so env and volumes are current. */
export interface LaunchPlan {
  /** Full argv, namespaces and mounts included. */
  argv: string[];
  env: Record<string, string>;
}

/** Why a container cannot start: image not in the table, or its config (env, volumes) is incomplete. */
export class LaunchError extends Error {
  constructor(
    readonly reason: 'ErrImagePull' | 'CreateContainerConfigError' | 'ContainerCreating',
    message: string,
  ) {
    super(message);
  }
}

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | {
      terminated: {
        exitCode: number;
        signal?: number;
        reason: string;
        startedAt: string;
        finishedAt: string;
        containerID: string;
        message?: string;
      };
    };

/** What the status builder needs to know about one container. */
export interface ContainerView {
  name: string;
  image: string;
  state: ContainerState;
  lastState: ContainerState | undefined;
  restartCount: number;
  ready: boolean;
  started: boolean;
  containerID: string | undefined;
}

const BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
/** A container that ran this long without crashing starts the back-off over (kubelet: 10 min). */
const BACKOFF_RESET_MS = 600_000;

/**
 * One container: a process tree of its own (detached process group), restarted with kubelet's
 * exponential back-off (10 s doubling to 5 min) per restartPolicy, with the waiting reasons
 * kubectl shows (ErrImagePull → ImagePullBackOff, CrashLoopBackOff, CreateContainerConfigError).
 */
export class Container {
  state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: ContainerState | undefined;
  restartCount = 0;
  ready = false;
  /** terminationMessagePolicy FallbackToLogsOnError: a failed run's last log lines become its message. */
  fallbackToLogs = false;
  child: ChildProcess | undefined;
  /** Crash back-off (CrashLoopBackOff). */
  private backoffMs = 0;
  /** Back-off while the container cannot even be created (image, volumes, config). */
  private setupBackoffMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly image: string,
    private readonly podUid: string,
    private readonly podLabel: string,
    private readonly restartPolicy: string,
    private readonly logFile: string,
    private readonly prepare: () => Promise<LaunchPlan>,
    private readonly onChange: () => void,
    private readonly log: Log,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  view(): ContainerView {
    return {
      name: this.name,
      image: this.image,
      state: this.state,
      lastState: this.lastState,
      restartCount: this.restartCount,
      ready: this.ready && 'running' in this.state,
      started: 'running' in this.state,
      containerID:
        'running' in this.state ? containerId(this.podUid, this.name, this.restartCount) : undefined,
    };
  }

  async start(): Promise<void> {
    if (this.stopping) return;
    let plan: LaunchPlan;
    try {
      plan = await this.prepare();
    } catch (e) {
      const error =
        e instanceof LaunchError ? e : new LaunchError('CreateContainerConfigError', (e as Error).message);
      this.failedToStart(error);
      return;
    }
    if (this.stopping) return;
    this.setupBackoffMs = 0;
    const out = fs.openSync(this.logFile, 'a');
    const [command = 'false', ...args] = plan.argv;
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env: plan.env });
    fs.closeSync(out);
    this.child = child;
    child.on('error', (e) => this.log(`${this.podLabel}: container ${this.name}: ${e.message}`));
    const startedAt = kubeTime();
    const started = Date.now();
    this.state = { running: { startedAt } };
    this.log(`${this.podLabel}: container ${this.name} started (pid ${child.pid})`);
    this.onChange();
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.child = undefined;
        this.ready = false;
        const exitCode = code ?? 128 + (signal ? (SIGNALS[signal] ?? 9) : 0);
        const terminated: ContainerState = {
          terminated: {
            exitCode,
            reason: exitCode === 0 ? 'Completed' : 'Error',
            startedAt,
            finishedAt: kubeTime(),
            containerID: containerId(this.podUid, this.name, this.restartCount),
            ...(exitCode !== 0 && this.fallbackToLogs ? { message: logTail(this.logFile) } : {}),
          },
        };
        resolve();
        if (this.stopping) {
          this.state = terminated;
          return;
        }
        this.log(`${this.podLabel}: container ${this.name} exited with ${signal ?? `code ${exitCode}`}`);
        if (Date.now() - started > BACKOFF_RESET_MS) this.backoffMs = 0;
        const restart =
          this.restartPolicy === 'Always' || (this.restartPolicy === 'OnFailure' && exitCode !== 0);
        if (!restart) {
          this.state = terminated;
          this.onChange();
          return;
        }
        this.lastState = terminated;
        this.restartCount++;
        // Like kubelet: the first restart is immediate, then 10 s, 20 s, … while it keeps crashing.
        const delay = this.backoffMs;
        this.backoffMs = delay ? Math.min(delay * 2, BACKOFF_MAX_MS) : BACKOFF_START_MS;
        if (delay === 0) {
          void this.start();
          return;
        }
        const message = `back-off ${delay / 1000}s restarting failed container=${this.name} pod=${this.podLabel}`;
        this.state = { waiting: { reason: 'CrashLoopBackOff', message } };
        this.onChange();
        this.timer = setTimeout(() => void this.start(), delay);
      }),
    );
  }

  /**
   * Image pulls retry with kubelet's image back-off (10 s doubling to 5 min); volumes and config
   * with a short one (2 s doubling to 30 s), as they usually just wait for an object to appear.
   */
  private failedToStart(error: LaunchError): void {
    const [first, max] =
      error.reason === 'ErrImagePull' ? [BACKOFF_START_MS, BACKOFF_MAX_MS] : [2000, 30_000];
    this.setupBackoffMs = this.setupBackoffMs ? Math.min(this.setupBackoffMs * 2, max) : first;
    const delay = this.setupBackoffMs;
    const repeated = 'waiting' in this.state && this.state.waiting.message === error.message;
    this.state = { waiting: { reason: error.reason, message: error.message } };
    this.onChange();
    if (!repeated) this.log(`${this.podLabel}: container ${this.name}: ${error.reason}: ${error.message}`);
    if (error.reason === 'ErrImagePull')
      // kubectl shows ErrImagePull right after the attempt, then ImagePullBackOff while waiting.
      this.timer = setTimeout(() => {
        this.state = {
          waiting: {
            reason: 'ImagePullBackOff',
            message: `Back-off pulling image "${this.image}": ${error.message}`,
          },
        };
        this.onChange();
        this.timer = setTimeout(() => void this.start(), delay);
      }, 2000);
    else this.timer = setTimeout(() => void this.start(), delay);
  }

  setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    this.onChange();
  }

  /** Kills the process (liveness failure); the exit handler restarts it per policy. */
  kill(): void {
    if (this.child?.pid) killGroup(this.child.pid, 'SIGKILL');
  }

  /** SIGTERM to the process group, SIGKILL after the grace period; no restart afterwards. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const pid = this.child?.pid;
    if (pid === undefined) return;
    killGroup(pid, 'SIGTERM');
    const killer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(killer);
    killGroup(pid, 'SIGKILL'); // whatever the main process left behind in its group
  }
}

/** Kubelet's rule for FallbackToLogsOnError: the last 80 lines, at most 2048 bytes. */
export function logTail(file: string): string {
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(Math.min(size, 2048));
    fs.readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    fs.closeSync(fd);
    return buffer.toString('utf8').split('\n').slice(-81).join('\n').trimEnd();
  } catch {
    return '';
  }
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
