import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerignore, lintDockerfile, parseDockerfile } from '../../scripts/lint-dockerfile.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCKERFILE = fs.readFileSync(path.join(ROOT, 'agent-image/Dockerfile'), 'utf8');
const excluded = dockerignore(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
const lint = (text: string) => lintDockerfile(text, { root: ROOT, excluded });

/** The real Dockerfile with `from` replaced (which must be there, so the variant stays meaningful). */
function variant(from: string | RegExp, to: string): string {
  const text = DOCKERFILE.replace(from, to);
  if (text === DOCKERFILE) throw new Error(`variant: ${from} is not in agent-image/Dockerfile`);
  return text;
}

/** The line of the first instruction (`KEYWORD args`) that contains `at`, or that `at` matches. */
function lineOf(text: string, at: string | RegExp): number {
  const found = parseDockerfile(text).find((i) => {
    const whole = `${i.keyword} ${i.args}`;
    return typeof at === 'string' ? whole.includes(at) : at.test(whole);
  });
  if (found === undefined) throw new Error(`no instruction ${at}`);
  return found.line;
}

describe('agent-image/Dockerfile lint', () => {
  it('passes on the real Dockerfile', () => {
    expect(lint(DOCKERFILE)).toEqual([]);
  });

  const runtimeFrom = /\nFROM node:20\.20\.2-bookworm-slim\n/;
  const broken: [name: string, text: string, at: string | RegExp, message: RegExp][] = [
    [
      'a moving major tag',
      variant('FROM node:20.20.2-bookworm-slim AS build', 'FROM node:20-bookworm-slim AS build'),
      'FROM node:20-bookworm-slim',
      /pin the base by an exact version tag/,
    ],
    ['latest', variant(runtimeFrom, '\nFROM node:latest\n'), 'FROM node:latest', /never latest/],
    ['no tag', variant(runtimeFrom, '\nFROM node\n'), /^FROM node$/, /pin the base/],
    [
      'a variable base',
      variant(runtimeFrom, '\nFROM node:$NODE\n'),
      'FROM node:$',
      /write the base literally/,
    ],
    [
      'recommends',
      variant(
        'apt-get install -y --no-install-recommends \\\n    iproute2',
        'apt-get install -y \\\n    iproute2',
      ),
      'iproute2 libpcap0.8',
      /without --no-install-recommends/,
    ],
    [
      'no list cleanup',
      variant('libpcap0.8 \\\n  && rm -rf /var/lib/apt/lists/*', 'libpcap0.8'),
      'iproute2 libpcap0.8',
      /rm -rf \/var\/lib\/apt\/lists/,
    ],
    [
      'a lone apt-get update',
      variant('RUN npm ci --ignore-scripts', 'RUN apt-get update\nRUN npm ci --ignore-scripts'),
      /^RUN apt-get update$/,
      /apt-get update without install/,
    ],
    [
      'npm install',
      variant('RUN npm ci --ignore-scripts', 'RUN npm install'),
      'RUN npm install',
      /use npm ci/,
    ],
    [
      'a compiler in the runtime stage',
      variant('    iproute2 libpcap0.8', '    iproute2 libpcap0.8 g++'),
      'iproute2 libpcap0.8',
      /runtime stage installs build tool g\+\+/,
    ],
    [
      'root without a policy',
      variant(/# Capability policy:[\s\S]*?(?=# hadolint ignore=DL3002)/, ''),
      'USER 0:0',
      /root needs a "Capability policy:" comment/,
    ],
    ['no USER', variant(/# hadolint ignore=DL3002\nUSER 0:0\n/, ''), /^FROM node:\S+$/, /no USER/],
    [
      'ADD of a URL',
      variant('COPY tsconfig.json ./', 'ADD https://example.org/tsconfig.json ./'),
      'ADD https',
      /ADD of a URL/,
    ],
    [
      'a COPY source that does not exist',
      variant('COPY tsconfig.json ./', 'COPY tsconfig.build.json ./'),
      'tsconfig.build.json',
      /not in the build context/,
    ],
    [
      'a COPY source .dockerignore keeps out',
      variant('COPY tsconfig.json ./', 'COPY dist/ dist/'),
      'COPY dist/',
      /excluded by \.dockerignore/,
    ],
    [
      'COPY --from an unknown stage',
      variant('COPY --from=build /app/dist/', 'COPY --from=builder /app/dist/'),
      'COPY --from=builder',
      /not an earlier stage/,
    ],
    [
      'a relative WORKDIR',
      variant('WORKDIR /app\n\n# package', 'WORKDIR app\n\n# package'),
      'WORKDIR app',
      /absolute/,
    ],
    [
      'an entry script nothing copies',
      variant('"/app/agent-image/bin/clustertap-agent.js"', '"/app/bin/clustertap-agent.js"'),
      'ENTRYPOINT',
      /no COPY from the context puts there/,
    ],
    [
      'an entry script whose import is not copied',
      variant('COPY --from=build /app/dist/ dist/\n', ''),
      'ENTRYPOINT',
      /imports \.\.\/\.\.\/dist\/agent-image\/src\/main\.js .*which no COPY puts there/,
    ],
    [
      'a shell-form ENTRYPOINT',
      variant(/ENTRYPOINT .*/, 'ENTRYPOINT node /app/agent-image/bin/clustertap-agent.js'),
      'ENTRYPOINT',
      /shell form/,
    ],
    [
      'a single stage',
      `FROM node:20.20.2-bookworm-slim\n${DOCKERFILE.split(runtimeFrom)[1]}`,
      'FROM node:20.20.2-bookworm-slim',
      /single stage/,
    ],
  ];

  for (const [name, text, at, message] of broken)
    it(`fails on ${name}, at its line`, () => {
      const problems = lint(text);
      expect(problems.map((p) => p.message).join('\n')).toMatch(message);
      const problem = problems.find((p) => message.test(p.message));
      expect(problem?.line).toBe(lineOf(text, at));
    });

  it('the command prints FILE:LINE: message and exits 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-dockerfile-'));
    const file = path.join(dir, 'Dockerfile');
    fs.writeFileSync(file, variant('FROM node:20.20.2-bookworm-slim AS build', 'FROM node:latest AS build'));
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/lint-dockerfile.ts', file], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file}:${lineOf(DOCKERFILE, ' AS build')}: FROM node:latest: pin`);
  });
});

describe('the lint reads Dockerfiles and .dockerignore as Docker does', () => {
  it('joins continuation lines, skipping comments inside them, and keeps the comments above', () => {
    const [run, user] = parseDockerfile('RUN a \\\n  # note\n  && b\n# Capability policy: x\nUSER 0\n');
    expect(run).toMatchObject({ line: 1, keyword: 'RUN', args: 'a && b' });
    expect(user).toMatchObject({ line: 5, keyword: 'USER', comments: ['Capability policy: x'] });
  });

  it('excludes by the last matching line, parents included', () => {
    const ignored = dockerignore('*\n!main\n!agent-image/src\n**/build\n');
    expect(ignored('dist/main.js')).toBe(true);
    expect(ignored('main/kube/session.ts')).toBe(false);
    expect(ignored('main/broker/filter/native/build/Release/bpf_compile.node')).toBe(true);
    expect(ignored('agent-image/src/main.ts')).toBe(false);
    expect(ignored('agent-image/README.md')).toBe(true);
  });

  it('keeps node_modules, dist, native builds, .git, tests and captures out of the real context', () => {
    for (const p of [
      'node_modules/zod/package.json',
      'main/node_modules/x',
      'dist/agent-image/src/main.js',
      'main/broker/filter/native/build/Release/bpf_compile.node',
      'main/broker/native/build/Release/udp_batch.node',
      '.git/HEAD',
      'test/fixtures/x.pcap',
      'main/capture/x.pcapng',
      'kubeconfig.yaml',
    ])
      expect(excluded(p), p).toBe(true);
    for (const p of ['package.json', 'package-lock.json', 'main/broker/filter/native/bpf_compile.c'])
      expect(excluded(p), p).toBe(false);
  });
});
