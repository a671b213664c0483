import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ContextStatus, contextsCommand } from '../../main/cli/contexts-command.js';
import { KubeError } from '../../main/kube/kube-error.js';
import { type FakeApiServer, makePki, put, startFakeApiServer, tempDir } from './kubeconfig-fixtures.js';

// `clustertap contexts` against fake API servers: what the user sees for each kind of context.
describe('clustertap contexts', () => {
  let dir: string;
  let api: FakeApiServer;
  let silent: net.Server;
  let file: string;
  let closedPort: number;

  beforeAll(async () => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'pki'));
    const pki = makePki(path.join(dir, 'pki'));
    api = await startFakeApiServer(pki);
    // Accepts connections and never answers: a firewall that drops, a hung server.
    silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const silentPort = (silent.address() as net.AddressInfo).port;
    file = put(
      dir,
      'config',
      `current-context: good
clusters:
- {name: fake, cluster: {server: "${api.url}", certificate-authority: pki/ca.crt}}
- {name: closed, cluster: {server: "https://127.0.0.1:${closedPort}", certificate-authority: pki/ca.crt}}
- {name: silent, cluster: {server: "https://127.0.0.1:${silentPort}", certificate-authority: pki/ca.crt}}
users:
- {name: ok, user: {token: fine}}
- {name: bad, user: {token: bad}}
contexts:
- {name: good, context: {cluster: fake, user: ok, namespace: shop}}
- {name: rejected, context: {cluster: fake, user: bad}}
- {name: down, context: {cluster: closed, user: ok}}
- {name: hangs, context: {cluster: silent, user: ok}}
- {name: broken, context: {cluster: nowhere, user: ok}}
`,
    );
  });
  afterAll(async () => {
    await api.close();
    silent.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(args: string[]): Promise<string> {
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    try {
      await contextsCommand().exitOverride().parseAsync(args, { from: 'user' });
    } finally {
      write.mockRestore();
    }
    return out;
  }

  it('prints every context with its status; the current one is marked', async () => {
    const started = Date.now();
    const out = await run(['--kubeconfig', file, '--timeout', '1']);
    expect(Date.now() - started).toBeLessThan(3000); // probes run in parallel
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CURRENT\s+NAME\s+CLUSTER\s+SERVER\s+NAMESPACE\s+STATUS$/);
    const row = (name: string) => lines.find((l) => l.split(/\s+/).includes(name)) ?? '';
    expect(row('good')).toMatch(
      new RegExp(`^\\*\\s+good\\s+fake\\s+${api.url}\\s+shop\\s+reachable v1.99.0-fake$`),
    );
    expect(row('rejected')).toMatch(/\s+unauthorized$/);
    expect(row('down')).toMatch(/\s+unreachable: ECONNREFUSED$/);
    expect(row('hangs')).toMatch(/\s+unreachable: no answer within 1 s$/);
    expect(row('broken')).toMatch(
      /^\s+broken\s+nowhere\s+default\s+invalid: cluster "nowhere" is not defined$/,
    );
  });

  it('--json gives scripts the same, with the whole message', async () => {
    const rows = JSON.parse(await run(['--kubeconfig', file, '--timeout', '1', '--json'])) as ContextStatus[];
    expect(rows.map((r) => [r.name, r.current, r.status])).toEqual([
      ['broken', false, 'invalid'],
      ['down', false, 'unreachable'],
      ['good', true, 'reachable'],
      ['hangs', false, 'unreachable'],
      ['rejected', false, 'unauthorized'],
    ]);
    const good = rows.find((r) => r.name === 'good');
    expect(good).toMatchObject({
      cluster: 'fake',
      user: 'ok',
      namespace: 'shop',
      server: api.url,
      version: 'v1.99.0-fake',
    });
    expect(rows.find((r) => r.name === 'down')?.message).toMatch(/check the network\/VPN/);
    expect(rows.find((r) => r.name === 'rejected')?.message).toMatch(
      /rejected the credentials \(401 Unauthorized\)/,
    );
  });

  it('a kubeconfig that cannot be read is an error, not an empty list', async () => {
    const missing = path.join(dir, 'missing');
    const error = await run(['--kubeconfig', missing]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeError);
    expect((error as KubeError).kind).toBe('kubeconfig');
  });
});
