// Where the broker's CPU goes, from `perf record` (kernel, libc, Node/V8 C++, JIT-compiled JS),
// next to the --cpu-prof view. The V8 profiler lumps everything below JavaScript into "(program)"
// and, with its sampling thread pinned to the broker's CPU, tends to sample when the main thread
// yields; perf samples the whole process evenly and sees into the kernel. Needs `perf` and
// `node --perf-basic-prof` (for JS function names); skipped when perf is missing.
import { execFileSync, spawn } from 'node:child_process';

/** First matching rule names the group of a sampled symbol. */
const GROUPS = [
  [
    'kernel: writing the capture file',
    (dso, sym) => dso.startsWith('[kernel') && /shmem|ext4|xfs|vfs_write|write_iter|filemap|folio/.test(sym),
  ],
  ['kernel: receive syscalls (recvmsg/recvmmsg), epoll, scheduling, IRQ', (dso) => dso.startsWith('[kernel')],
  [
    'JS: our pcapng encoding/writing',
    (dso, sym) => dso.startsWith('[JIT') && /dist\/main\/capture\/pcapng/.test(sym),
  ],
  ['JS: our decode, dispatch, timestamps', (dso, sym) => dso.startsWith('[JIT') && /dist\/main\//.test(sym)],
  ['JS: Node internals (dgram, events, Buffer methods)', (dso) => dso.startsWith('[JIT')],
  [
    'libc: malloc/free (dgram: a Buffer per datagram)',
    (dso, sym) => dso.startsWith('libc') && /malloc|free|_int_|unlink_chunk|tcache|realloc/.test(sym),
  ],
  [
    'libc: inet_ntop/printf (dgram: rinfo.address per datagram)',
    (dso, sym) => dso.startsWith('libc') && /printf|strchrnul|_IO_|inet_ntop/.test(sym),
  ],
  ['libc: other (syscall wrappers, memcpy)', (dso) => dso.startsWith('libc')],
  ['V8: garbage collection', (_dso, sym) => /Heap|Scaveng|Mark|Sweep|Evacuat|Compactor/.test(sym)],
  ['V8: interpreter and builtins (ICs, TypedArray ops)', (_dso, sym) => sym.startsWith('Builtins_')],
  [
    'Node C++ + libuv (dgram: UDPWrap::OnRecv, AddressToJS, MakeCallback)',
    (_dso, sym) => /^(node::|uv_|uv__)/.test(sym),
  ],
  [
    'V8 API/runtime (objects made from C++: dgram makes an rinfo + Buffer per datagram; calls into JS)',
    (dso) => dso === 'node',
  ],
  ['other', () => true],
];

export function perfAvailable() {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts `perf record` on `pid` for `seconds`; resolves when it has finished writing `file`. */
export function recordPerf(pid, seconds, file) {
  const perf = spawn(
    'perf',
    ['record', '-q', '-F', '2000', '-p', String(pid), '-o', file, '--', 'sleep', String(seconds)],
    {
      stdio: 'ignore',
    },
  );
  return new Promise((resolve) => perf.on('exit', resolve));
}

export function summarizePerf(file) {
  const report = execFileSync(
    'perf',
    [
      'report',
      '-i',
      file,
      '--no-children',
      '--sort',
      'dso,sym',
      '--stdio',
      '-g',
      'none',
      '--percent-limit',
      '0',
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const groups = new Map();
  let total = 0;
  for (const line of report.split('\n')) {
    const match = /^\s+([\d.]+)%\s+(\[JIT\] tid \d+|\S+)\s+\[.\]\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, percent, dso, symbol] = match;
    const group = GROUPS.find(([, claims]) => claims(dso, symbol.trim()))[0];
    groups.set(group, (groups.get(group) ?? 0) + Number(percent));
    total += Number(percent);
  }
  return [...groups]
    .sort((a, b) => b[1] - a[1])
    .map(([name, percent]) => ({ name, percent: Number(((100 * percent) / total).toFixed(1)) }));
}

export function formatPerf(groups) {
  return groups.map((g) => `  ${String(g.percent).padStart(5)} %  ${g.name}`).join('\n');
}
