import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clustertap, kubectl, kubectlJson, type LabState, labState } from '../helpers/lab.js';
import { AGENT_IMAGE } from '../helpers/lab-tap.js';

const { lab, reason } = labState();
if (reason) console.warn(`pull secret tests cannot run: ${reason}`);

const args = (l: LabState, session: string) => [
  'deploy',
  '--kubeconfig',
  l.kubeconfig,
  '--context',
  'lab',
  '--session',
  session,
  '--select-namespace',
  'shop',
  '--agent-image',
  AGENT_IMAGE,
];

describe.skipIf(reason !== undefined)('a private agent image: --image-pull-secret', () => {
  const l = lab as LabState;
  beforeAll(() => {
    kubectl(l, ['delete', 'secret', '-n', 'shop', 'regcred', 'plain', '--ignore-not-found']);
    kubectl(l, [
      'create',
      'secret',
      'docker-registry',
      'regcred',
      '-n',
      'shop',
      '--docker-server=registry.example.internal',
      '--docker-username=ci',
      '--docker-password=not-a-real-password',
    ]);
    kubectl(l, ['create', 'secret', 'generic', 'plain', '-n', 'shop', '--from-literal=a=b']);
  });
  afterAll(async () => {
    await clustertap(['undeploy', '--kubeconfig', l.kubeconfig, '--context', 'lab']);
    kubectl(l, ['delete', 'secret', '-n', 'shop', 'regcred', 'plain', '--ignore-not-found']);
  });

  it('copies the registry Secret into the session namespace, the agents use it, undeploy removes the copy', async () => {
    const deployed = await clustertap([...args(l, 'pull1'), '--image-pull-secret', 'shop/regcred']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const copy = kubectlJson<{ type: string; data: Record<string, string> }>(l, [
      'get',
      'secret',
      '-n',
      'clustertap-pull1',
      'regcred',
    ]);
    const original = kubectlJson<{ data: Record<string, string> }>(l, [
      'get',
      'secret',
      '-n',
      'shop',
      'regcred',
    ]);
    expect(copy.type).toBe('kubernetes.io/dockerconfigjson');
    expect(copy.data).toEqual(original.data);
    const ds = kubectlJson<{ spec: { template: { spec: { imagePullSecrets?: { name: string }[] } } } }>(l, [
      'get',
      'daemonset',
      '-n',
      'clustertap-pull1',
      'clustertap-agent',
    ]);
    expect(ds.spec.template.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    const undeployed = await clustertap([
      'undeploy',
      '--kubeconfig',
      l.kubeconfig,
      '--context',
      'lab',
      '--session',
      'pull1',
    ]);
    expect(undeployed.code, undeployed.stderr).toBe(0);
    expect(
      kubectl(l, ['get', 'secrets', '-A', '-l', 'clustertap.io/session=pull1', '-o', 'name']).trim(),
    ).toBe('');
  });

  it('refuses a Secret that is not a registry credential, and one that does not exist, before anything is applied', async () => {
    const plain = await clustertap([...args(l, 'pull2'), '--image-pull-secret', 'shop/plain']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('Secret shop/plain is of type Opaque, not a registry credential');
    const missing = await clustertap([...args(l, 'pull3'), '--image-pull-secret', 'shop/nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/read image pull Secret shop\/nope.*not found/is);
    for (const session of ['pull2', 'pull3'])
      expect(
        kubectl(l, ['get', 'namespace', `clustertap-${session}`, '--ignore-not-found', '-o', 'name']).trim(),
      ).toBe('');
  });
});
