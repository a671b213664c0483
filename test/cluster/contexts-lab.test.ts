import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ContextStatus } from '../../main/cli/contexts-command.js';
import { clustertap, kubectl, labState } from '../helpers/lab.js';
import { tempDir } from '../helpers/run.js';

// `clustertap contexts` against the lab: its two real contexts, plus one pointing at a closed port
// and one with credentials the API server rejects. Needs dist/ (npm run build).
const { lab, reason } = labState();
if (reason) console.warn(`contexts lab tests cannot run: ${reason}`);

interface Kubeconfig {
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
  users: Array<{ name: string; user: Record<string, unknown> | null }>;
  contexts: Array<{ name: string; context: Record<string, unknown> }>;
  'current-context'?: string;
}

describe.skipIf(!lab)('clustertap contexts on the lab', () => {
  let dir: string;
  let file: string;
  let serverVersion: string;

  beforeAll(async () => {
    if (!lab) return;
    dir = tempDir('clustertap-contexts');
    serverVersion = (
      JSON.parse(kubectl(lab, ['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } }
    ).serverVersion.gitVersion;
    const config = parse(fs.readFileSync(lab.kubeconfig, 'utf8')) as Kubeconfig;
    const labCluster = config.clusters.find((c) => c.name === 'lab');
    if (!labCluster) throw new Error('the lab kubeconfig has no cluster "lab"');
    const port = await closedPort();
    config.clusters.push({
      name: 'lab-closed',
      cluster: { ...labCluster.cluster, server: `https://127.0.0.1:${port}` },
    });
    config.users.push({ name: 'lab-bad-token', user: { token: 'not-a-valid-token' } });
    config.contexts.push(
      { name: 'lab-down', context: { cluster: 'lab-closed', user: 'lab-admin' } },
      { name: 'lab-bad-credentials', context: { cluster: 'lab', user: 'lab-bad-token' } },
    );
    file = path.join(dir, 'kubeconfig');
    fs.writeFileSync(file, stringify(config), { mode: 0o600 });
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows both lab contexts reachable with the server version, the current one marked, and what is wrong with the others', async () => {
    const result = await clustertap(['contexts', '--kubeconfig', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0); // a listing: unreachable contexts are results, not failures
    const lines = result.stdout.trimEnd().split('\n');
    const row = (name: string) => lines.find((l) => l.split(/\s+/).includes(name)) ?? `(no row for ${name})`;
    expect(lines[0]).toMatch(/^CURRENT\s+NAME\s+CLUSTER\s+SERVER\s+NAMESPACE\s+STATUS$/);
    expect(serverVersion).toBe('v1.37.2');
    expect(row('lab')).toMatch(
      new RegExp(`^\\*\\s+lab\\s+lab\\s+${lab?.apiServer}\\s+default\\s+reachable ${serverVersion}$`),
    );
    expect(row('lab-viewer')).toMatch(
      new RegExp(`^\\s+lab-viewer\\s+lab\\s+\\S+\\s+shop\\s+reachable ${serverVersion}$`),
    );
    expect(row('lab-down')).toMatch(/\s+unreachable: ECONNREFUSED$/);
    expect(row('lab-bad-credentials')).toMatch(/\s+unauthorized$/);
  });

  it('--json for scripts; KUBECONFIG with a second file that sets current-context', async () => {
    const overlay = path.join(dir, 'overlay');
    fs.writeFileSync(overlay, 'current-context: lab-viewer\n');
    const result = await clustertap(['contexts', '--json'], {
      KUBECONFIG: [overlay, file].join(path.delimiter),
    });
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as ContextStatus[];
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName['lab-viewer']).toMatchObject({
      current: true,
      status: 'reachable',
      version: serverVersion,
      namespace: 'shop',
    });
    expect(byName.lab).toMatchObject({ current: false, status: 'reachable', user: 'lab-admin' });
    expect(byName['lab-down']?.status).toBe('unreachable');
    expect(byName['lab-bad-credentials']?.status).toBe('unauthorized');
    expect(byName['lab-bad-credentials']?.message).toMatch(/rejected the credentials \(401 Unauthorized\)/);
  });

  it('a kubeconfig that does not exist: a one-line error and exit 1', async () => {
    const result = await clustertap(['contexts', '--kubeconfig', path.join(dir, 'nope')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `clustertap: the kubeconfig ${path.join(dir, 'nope')} given with --kubeconfig does not exist\n`,
    );
  });
});

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
