import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { KubeError } from '../kube-error.js';
import { type KubeconfigDocument, kubeconfigSchema } from './kubeconfig-schema.js';
import type { ClusterEntry, ContextEntry, ExecConfig, KubeconfigFile, UserEntry } from './types.js';

const EXEC_EXTENSION = 'client.authentication.k8s.io/exec';

/**
 * Reads one kubeconfig file the way client-go's clientcmd.LoadFromFile does, or returns
 * undefined when it does not exist (kubectl skips missing KUBECONFIG entries).
 */
export function readKubeconfigFile(file: string): KubeconfigFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new KubeError('kubeconfig', `cannot read kubeconfig ${file}: ${(error as Error).message}`);
  }
  return parseKubeconfig(text, file);
}

/** Parses kubeconfig text; `file` names it in errors and anchors its relative paths. */
export function parseKubeconfig(text: string, file: string): KubeconfigFile {
  const lines = new LineCounter();
  // YAML 1.1 like go-yaml (yes/no/on/off are booleans), but timestamps and base-60 numbers stay
  // strings as they do for kubectl.
  const docs = parseAllDocuments(text, {
    version: '1.1',
    lineCounter: lines,
    customTags: (tags) =>
      tags.filter((tag) => !/timestamp|time/i.test(String((tag as { tag?: string }).tag))),
  });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return emptyFile(file); // empty or comments only: an empty config, as for kubectl
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0].line;
    throw invalid(file, line, syntax.message.split('\n')[0] ?? syntax.message);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return emptyFile(file);
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalid(file, 1, 'not a kubeconfig: the top level must be a mapping');
  const parsed = kubeconfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const node = doc.getIn(issue.path as Array<string | number>, true) as { range?: [number] } | undefined;
    const line = node?.range ? lines.linePos(node.range[0]).line : undefined;
    throw invalid(file, line, describeIssue(issue, value));
  }
  return toEntries(parsed.data, file, (p) => {
    const node = doc.getIn(p, true) as { range?: [number] } | undefined;
    return node?.range ? lines.linePos(node.range[0]).line : undefined;
  });
}

function emptyFile(file: string): KubeconfigFile {
  return { file, clusters: [], users: [], contexts: [] };
}

function invalid(file: string, line: number | undefined, what: string): KubeError {
  const at = line ? `${file}: line ${line}` : file;
  return new KubeError('kubeconfig', `invalid kubeconfig ${at}: ${what}`);
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const where = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .slice(1);
  let actual: unknown = root;
  for (const p of issue.path)
    actual = (actual as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
  if (issue.code === 'invalid_type') {
    // YAML 1.1 turns unquoted yes/no/on/off/y/n into booleans; kubectl refuses them as names too.
    const hint =
      typeof actual === 'boolean' ? ' (YAML reads unquoted yes/no/on/off/y/n as booleans: quote it)' : '';
    const got = Array.isArray(actual) ? 'a list' : actual === null ? 'null' : typeof actual;
    return `${where} must be ${article(issue.expected)}, not ${got}${hint}`;
  }
  return `${where} ${issue.message}`;
}

function article(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object' || expected === 'record') return 'a mapping';
  return `a ${expected}`;
}

type LineOf = (path: Array<string | number>) => number | undefined;

function toEntries(doc: KubeconfigDocument, file: string, lineOf: LineOf): KubeconfigFile {
  // client-go resolves relative paths against the absolute directory of the defining file.
  const base = path.resolve(path.dirname(file));
  const resolve = (p: string | null | undefined) => (p ? path.resolve(base, p) : undefined);
  const seen = { clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>() };
  const unique = (kind: keyof typeof seen, name: string, index: number) => {
    if (seen[kind].has(name))
      throw invalid(file, lineOf([kind, index, 'name']), `${kind.slice(0, -1)} "${name}" is defined twice`);
    seen[kind].add(name);
  };

  const clusters = (doc.clusters ?? []).map((named, i): ClusterEntry => {
    const name = named.name ?? '';
    unique('clusters', name, i);
    const c = named.cluster ?? {};
    return {
      name,
      origin: file,
      server: c.server ?? '',
      tlsServerName: c['tls-server-name'] || undefined,
      insecureSkipTlsVerify: c['insecure-skip-tls-verify'] === true,
      certificateAuthority: resolve(c['certificate-authority']),
      certificateAuthorityData: c['certificate-authority-data'] || undefined,
      proxyUrl: c['proxy-url'] || undefined,
      execExtension: c.extensions?.find((e) => e.name === EXEC_EXTENSION)?.extension,
    };
  });

  const users = (doc.users ?? []).map((named, i): UserEntry => {
    const name = named.name ?? '';
    unique('users', name, i);
    const u = named.user ?? {};
    const extra = Object.entries(u['as-user-extra'] ?? {}).map(([k, v]) => [k, v ?? []] as const);
    const provider = u['auth-provider'];
    return {
      name,
      origin: file,
      clientCertificate: resolve(u['client-certificate']),
      clientCertificateData: u['client-certificate-data'] || undefined,
      clientKey: resolve(u['client-key']),
      clientKeyData: u['client-key-data'] || undefined,
      token: u.token || undefined,
      tokenFile: resolve(u.tokenFile),
      impersonate: u.as || undefined,
      impersonateUid: u['as-uid'] || undefined,
      impersonateGroups: u['as-groups'] ?? [],
      impersonateUserExtra: Object.fromEntries(extra),
      username: u.username || undefined,
      password: u.password || undefined,
      authProvider: provider ? { name: provider.name ?? '', config: provider.config ?? {} } : undefined,
      exec: u.exec ? toExec(u.exec, resolve) : undefined,
    };
  });

  const contexts = (doc.contexts ?? []).map((named, i): ContextEntry => {
    const name = named.name ?? '';
    unique('contexts', name, i);
    const c = named.context ?? {};
    return {
      name,
      origin: file,
      cluster: c.cluster ?? '',
      user: c.user ?? '',
      namespace: c.namespace || undefined,
    };
  });

  return { file, currentContext: doc['current-context'] || undefined, clusters, users, contexts };
}

function toExec(
  exec: NonNullable<NonNullable<NonNullable<KubeconfigDocument['users']>[number]['user']>['exec']>,
  resolve: (p: string) => string | undefined,
): ExecConfig {
  const command = exec.command ?? '';
  return {
    // Only a command with a path separator is relative to the file; a bare name is looked up on PATH.
    command: command.includes(path.sep) ? (resolve(command) ?? command) : command,
    args: exec.args ?? [],
    env: (exec.env ?? []).map((e) => ({ name: e.name ?? '', value: e.value ?? '' })),
    apiVersion: exec.apiVersion ?? '',
    installHint: exec.installHint || undefined,
    provideClusterInfo: exec.provideClusterInfo === true,
    // client-go's defaulting: v1beta1 means IfAvailable; v1 must say (validate-context.ts).
    interactiveMode:
      exec.interactiveMode || (exec.apiVersion?.endsWith('/v1beta1') ? 'IfAvailable' : undefined),
  };
}
