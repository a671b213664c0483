import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KubeError } from '../kube-error.js';
import { type LoadedKubeconfig, loadKubeconfig } from './load.js';
import { type KubeconfigSource, kubeconfigCandidates } from './loading-rules.js';

export interface WatchOptions {
  /** Quiet time after the last file event before reloading (editors write in bursts). */
  debounceMs?: number;
  /** Stat polling interval: the safety net for symlinked files, network mounts, missing dirs. */
  pollMs?: number;
}

/**
 * Calls `onChange` with the reloaded kubeconfig (or the error that now stops it loading) whenever
 * the content of any kubeconfig file kubectl would read changes, including files that appear or
 * disappear later. Directories are watched, not files, because editors and `kubectl config`
 * replace the file (new inode) rather than writing into it. Returns the function that stops it.
 */
export function watchKubeconfig(
  source: KubeconfigSource,
  onChange: (result: LoadedKubeconfig | KubeError) => void,
  options: WatchOptions = {},
): () => void {
  const debounceMs = options.debounceMs ?? 150;
  const pollMs = options.pollMs ?? 2000;
  const files = kubeconfigCandidates(source).map((file) => path.resolve(file));
  const names = new Set(files.map((file) => path.basename(file)));
  const watchers = new Map<string, fs.FSWatcher>();
  let last = fingerprint(files);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const reload = () => {
    timer = undefined;
    const now = fingerprint(files);
    if (stopped || now === last) return;
    last = now;
    let result: LoadedKubeconfig | KubeError;
    try {
      result = loadKubeconfig(source);
    } catch (error) {
      result = error instanceof KubeError ? error : new KubeError('kubeconfig', String(error));
    }
    onChange(result);
  };
  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(reload, debounceMs);
  };

  // A directory that does not exist yet (no ~/.kube) is picked up by the poll below.
  const watchDirectories = () => {
    for (const dir of new Set(files.map((file) => path.dirname(file)))) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = fs.watch(dir, (_event, name) => {
          if (!name || names.has(name.toString())) schedule();
        });
        watcher.on('error', () => {
          watcher.close(); // the directory went away; the poll re-creates the watch if it comes back
          watchers.delete(dir);
        });
        watchers.set(dir, watcher);
      } catch {
        // not there (yet)
      }
    }
  };
  watchDirectories();
  const poll = setInterval(() => {
    watchDirectories();
    if (fingerprint(files) !== last) schedule();
  }, pollMs);
  poll.unref();

  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(poll);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
}

function fingerprint(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file).update('\0');
    try {
      hash.update(fs.readFileSync(file));
    } catch (error) {
      hash.update(`<${(error as NodeJS.ErrnoException).code}>`);
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}
