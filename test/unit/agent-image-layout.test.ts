import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Copy,
  dockerignore,
  parseCopy,
  parseDockerfile,
  splitStages,
} from '../../scripts/lint-dockerfile.js';

/**
 * No container engine here, so the image's file layout is rebuilt by following the Dockerfile:
 * every COPY as written (context files through .dockerignore), and each RUN step either run as
 * written (tsc) or stood in for by what `npm run build` already made here (npm ci: the repo's
 * node_modules; node-gyp: the repo's addon; apt-get and npm prune: nothing). Then the entry
 * script runs from that layout. A RUN step this test does not know fails it: teach it.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const excluded = dockerignore(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
const stages = splitStages(
  parseDockerfile(fs.readFileSync(path.join(ROOT, 'agent-image/Dockerfile'), 'utf8')),
);
const final = stages.at(-1);
let tmp = '';
const fsRoot = (stage: number) => path.join(tmp, `stage-${stage}`);
let runtime = '';
let entrypoint: string[] = [];

function contextFiles(source: string): { file: string; inside: string }[] {
  const relative = path.posix.normalize(source).replace(/\/$/, '');
  const full = path.join(ROOT, relative);
  if (!fs.statSync(full).isDirectory()) return [{ file: relative, inside: '' }];
  return fs
    .readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
    .filter((file) => !excluded(file))
    .map((file) => ({ file, inside: path.relative(relative, file) }));
}

function copy(into: string, workdir: string, c: Copy) {
  const dest = path.posix.resolve(workdir, c.dest);
  const intoDir = c.dest.endsWith('/') || c.sources.length > 1;
  for (const source of c.sources) {
    if (c.from === undefined) {
      for (const { file, inside } of contextFiles(source)) {
        const target =
          inside !== '' ? path.join(dest, inside) : intoDir ? path.join(dest, path.basename(file)) : dest;
        fs.mkdirSync(path.dirname(path.join(into, target)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, file), path.join(into, target));
      }
      continue;
    }
    const from = stages.findIndex((s) => s.name === c.from);
    const src = path.join(fsRoot(from), source);
    const isDir = fs.lstatSync(src).isDirectory() || source.endsWith('/');
    const target = !isDir && intoDir ? path.join(dest, path.basename(source)) : dest;
    fs.mkdirSync(path.dirname(path.join(into, target)), { recursive: true });
    fs.cpSync(src, path.join(into, target), { recursive: true, verbatimSymlinks: true });
  }
}

/** One `&&`-separated step of a RUN, in the stage rooted at `into`, in `cwd` (inside it). */
function run(step: string, into: string, cwd: string) {
  const here = path.join(into, cwd);
  const argv = step.split(/\s+/);
  if (/^(DEBIAN_FRONTEND=\S+ )?apt-get /.test(step) || step.startsWith('rm -rf /var/lib/apt/lists')) return;
  if (step.startsWith('npm ci ')) {
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(here, 'node_modules'));
    return;
  }
  if (step.startsWith('npm prune ')) return;
  if (argv[0] === './node_modules/.bin/tsc') {
    execFileSync(path.join(here, argv[0]), argv.slice(1), { cwd: here, stdio: 'pipe' });
    return;
  }
  if (argv[0] === './node_modules/.bin/node-gyp') {
    const dir = argv[argv.indexOf('-C') + 1] as string;
    const built = path.join(ROOT, dir, 'build/Release');
    if (!fs.existsSync(built)) throw new Error(`${dir} is not built here: run npm run build:native first`);
    fs.cpSync(built, path.join(here, dir, 'build/Release'), { recursive: true });
    return;
  }
  throw new Error(`the layout test cannot stand in for RUN step "${step}": teach it`);
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-image-layout-'));
  stages.forEach((stage, index) => {
    const into = fsRoot(index);
    let workdir = '/';
    for (const ins of stage.instructions) {
      if (ins.keyword === 'WORKDIR') {
        workdir = path.posix.resolve(workdir, ins.args);
        fs.mkdirSync(path.join(into, workdir), { recursive: true });
      } else if (ins.keyword === 'COPY') copy(into, workdir, parseCopy(ins));
      else if (ins.keyword === 'RUN')
        for (const step of ins.args.split('&&')) run(step.trim().replace(/\s+/g, ' '), into, workdir);
      else if (ins.keyword === 'ENTRYPOINT') entrypoint = JSON.parse(ins.args) as string[];
    }
  });
  runtime = fsRoot(stages.length - 1);
}, 120_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the agent image, laid out as its Dockerfile COPYs it', () => {
  it('has its entry script where ENTRYPOINT runs it', () => {
    expect(final).toBeDefined();
    expect(entrypoint[0]).toBe('node');
    expect(fs.existsSync(path.join(runtime, entrypoint[1] as string))).toBe(true);
  });

  it('runs the entry script: every module it imports resolves, as ES modules', () => {
    // A config that is not there: main() gets as far as reading it, so the whole import graph linked.
    const result = spawnSync(
      process.execPath,
      [path.join(runtime, entrypoint[1] as string), '--config', '/nonexistent/session.json'],
      { cwd: os.tmpdir(), encoding: 'utf8', env: { PATH: process.env.PATH, HOME: os.tmpdir() } },
    );
    expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find|SyntaxError/);
    expect(result.stderr).toContain("ENOENT: no such file or directory, open '/nonexistent/session.json'");
    expect(result.status).toBe(1);
  });

  it('finds the libpcap addon where capture-filter.ts looks for it, and compiles a filter', () => {
    const loader = path.join(runtime, 'app/dist/main/broker/filter/capture-filter.js');
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(loader)}); console.log(m.compileBpfProgram('tcp port 80', 1).length);`,
      ],
      { cwd: os.tmpdir(), encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(Number(result.stdout)).toBeGreaterThan(0);
  });

  it('finds the capture addon where pcap-binding.ts looks for it (api transport, tunnel probes)', () => {
    const loader = path.join(runtime, 'app/dist/agent-image/src/api-transport/pcap-binding.js');
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(loader)}); const b = m.loadPcapBinding(); console.log(['close','inject','open','read','stats'].filter((f) => typeof b[f] === 'function').join(','));`,
      ],
      { cwd: os.tmpdir(), encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('close,inject,open,read,stats');
  });

  it('imports only packages that npm prune --omit=dev --omit=optional keeps', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const dist = path.join(runtime, 'app/dist');
    const bare = new Set<string>();
    for (const file of fs.readdirSync(dist, { recursive: true, encoding: 'utf8' }))
      if (file.endsWith('.js'))
        for (const [, spec] of fs
          .readFileSync(path.join(dist, file), 'utf8')
          .matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"]([^'"./][^'"]*)['"]/g))
          if (!spec?.startsWith('node:'))
            bare.add(
              spec?.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec?.split('/')[0] ?? ''),
            );
    expect(bare.size).toBeGreaterThan(0);
    for (const name of bare) expect(Object.keys(pkg.dependencies), name).toContain(name);
  });
});
