import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clustertap, kubectl, kubectlJson, type LabState, labCommand, labState } from '../helpers/lab.js';
import { waitFor } from '../helpers/run.js';

const { lab, reason } = labState();
if (reason) console.warn(`deploy/teardown tests cannot run: ${reason}`);

const AGENT_IMAGE = 'ghcr.io/clustertap/clustertap-agent:0.1.0';
const KINDS =
  'daemonsets,configmaps,leases,roles,rolebindings,serviceaccounts,clusterroles,clusterrolebindings,namespaces';

/** Every object any session owns, as "Kind/name" strings (empty when nothing is left). */
function residue(l: LabState, session?: string): string[] {
  const selector = `app.kubernetes.io/part-of=clustertap${session ? `,clustertap.io/session=${session}` : ''}`;
  const out = kubectl(l, ['get', KINDS, '-A', '-l', selector, '-o', 'name']);
  return out.split('\n').filter(Boolean);
}

/** Agent processes the harness still runs, from its pods.json. */
function agentPods(session: string): string[] {
  const file = `${process.env.CLUSTERTAP_LAB_DIR ?? '/tmp/clustertap-lab'}/pods.json`;
  const pods = JSON.parse(fs.readFileSync(file, 'utf8')) as { namespace: string; name: string }[];
  return pods.filter((p) => p.namespace === `clustertap-${session}`).map((p) => p.name);
}

function shopNodes(l: LabState): string[] {
  const pods = kubectlJson<{ items: { spec: { nodeName?: string } }[] }>(l, ['get', 'pods', '-n', 'shop']);
  return [...new Set(pods.items.map((p) => p.spec.nodeName).filter((n): n is string => !!n))].sort();
}

const base = (l: LabState, session: string, context = 'lab') => [
  '--kubeconfig',
  l.kubeconfig,
  '--context',
  context,
  '--session',
  session,
];

describe.skipIf(reason !== undefined)('deploy → agents Ready → undeploy, against the lab API server', () => {
  const l = lab as LabState;

  beforeAll(async () => {
    // A clean slate: an earlier aborted run must not decide these tests.
    await clustertap(['undeploy', '--kubeconfig', l.kubeconfig, '--context', 'lab']);
  });
  afterAll(async () => {
    await clustertap(['undeploy', '--kubeconfig', l.kubeconfig, '--context', 'lab']);
  });

  it('deploys agents to exactly the nodes hosting shop pods, each Ready, then removes every object', async () => {
    const expected = shopNodes(l);
    expect(expected.length).toBeGreaterThan(0);
    const deployed = await clustertap([
      'deploy',
      ...base(l, 'deploy1'),
      '--select-namespace',
      'shop',
      '--agent-image',
      AGENT_IMAGE,
      '--json',
    ]);
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
    const result = JSON.parse(deployed.stdout);
    expect(result.nodes.map((n: { node: string }) => n.node)).toEqual(expected);
    expect(result.nodes.every((n: { state: string }) => n.state === 'ready')).toBe(true);
    // Without --collector: the host's address toward the API server, the lab bridge.
    expect(result.collector).toBe(`${l.gatewayIP}:4789`);

    // deploy follows the agent pods; the DaemonSet controller writes its own status a moment later.
    const dsStatus = () =>
      kubectlJson<{ status: { numberReady: number; desiredNumberScheduled: number } }>(l, [
        'get',
        'daemonset',
        'clustertap-agent',
        '-n',
        'clustertap-deploy1',
      ]).status;
    await waitFor(() => dsStatus().numberReady === expected.length, 15_000, 'the DaemonSet status');
    const ds = { status: dsStatus() };
    expect(ds.status).toMatchObject({
      numberReady: expected.length,
      desiredNumberScheduled: expected.length,
    });
    expect(agentPods('deploy1')).toHaveLength(expected.length);

    const status = await clustertap(['status', ...base(l, 'deploy1'), '--json']);
    const report = JSON.parse(status.stdout);
    // The CNI each lab node emulates is what status reports for it.
    for (const node of l.nodes)
      expect(report.cni.nodes.find((n: { node: string }) => n.node === node.name)?.cni).toBe(node.cni);
    const session = report.sessions[0];
    expect(session).toMatchObject({ sessionId: 'deploy1', agents: { ready: expected.length } });
    // deploy renews the Lease once more when every agent is Ready; after that only --hold or tap renew it.
    expect(session.lease).toMatchObject({ ttlSeconds: 15, holder: expect.stringMatching(/^clustertap@/) });
    const human = await clustertap(['status', ...base(l, 'deploy1')]);
    expect(human.stdout).toContain(`agents ${expected.length}/${expected.length} ready`);

    const undeployed = await clustertap(['undeploy', ...base(l, 'deploy1')]);
    expect(undeployed.code).toBe(0);
    expect(undeployed.stderr).toContain('session deploy1: nothing left');
    expect(residue(l, 'deploy1')).toEqual([]);
    expect(
      kubectl(l, ['get', 'rolebindings', '-A', '-l', 'clustertap.io/session=deploy1', '-o', 'name']),
    ).toBe('');
    expect(agentPods('deploy1')).toEqual([]);
  });

  it('shows per-node progress on stderr while it waits', async () => {
    const run = await clustertap([
      'deploy',
      ...base(l, 'deploy2'),
      '--select-namespace',
      'shop',
      '--agent-image',
      AGENT_IMAGE,
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/checking permissions/);
    for (const node of shopNodes(l)) expect(run.stderr).toMatch(new RegExp(`${node}\\s+ready`));
    expect(run.stdout).toMatch(/session deploy2: agents Ready on \d+\/\d+ nodes/);
    await clustertap(['undeploy', ...base(l, 'deploy2')]);
    expect(residue(l, 'deploy2')).toEqual([]);
  });

  it('lab-viewer is told which permissions are missing, and nothing is created', async () => {
    const run = await clustertap([
      'deploy',
      ...base(l, 'viewer1', 'lab-viewer'),
      '--select-namespace',
      'shop',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('you (lab-viewer) lack');
    expect(run.stderr).toContain('create namespaces (cluster-wide)');
    expect(run.stderr).toContain('create daemonsets.apps in namespace clustertap-viewer1');
    expect(run.stderr).toContain('nothing was changed');
    expect(residue(l, 'viewer1')).toEqual([]);
  });

  it('an image that cannot be pulled fails with the reason per node, and is rolled back', async () => {
    const run = await clustertap([
      'deploy',
      ...base(l, 'pull1'),
      '--select-namespace',
      'shop',
      '--agent-image',
      'registry.invalid/clustertap/nope:1',
      '--timeout',
      '60',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(
      /agents failed to start:\n\s+- lab-node-\d+: image pull: (ErrImagePull|ImagePullBackOff)/,
    );
    expect(run.stderr).toContain('removing what was applied');
    expect(residue(l, 'pull1')).toEqual([]);
  });

  it('an admission policy that rejects the agent pods is reported as admission, and rolled back', async () => {
    const policy = `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: test-deny-host-network}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
  validations:
  - expression: "!has(object.spec.hostNetwork) || !object.spec.hostNetwork"
    message: host networking is not allowed on this cluster
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: test-deny-host-network}
spec:
  policyName: test-deny-host-network
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {app.kubernetes.io/part-of: clustertap}}
`;
    kubectl(l, ['apply', '-f', '-'], policy);
    try {
      // Policies take effect asynchronously; give the API server a moment to load it.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const run = await clustertap([
        'deploy',
        ...base(l, 'adm1'),
        '--select-namespace',
        'shop',
        '--agent-image',
        AGENT_IMAGE,
      ]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/admission: .*host networking is not allowed on this cluster/);
      expect(residue(l, 'adm1')).toEqual([]);
    } finally {
      kubectl(l, ['delete', '-f', '-', '--ignore-not-found'], policy);
    }
  });

  it('a terminating namespace is named in the error before anything changes', async () => {
    kubectl(l, ['create', 'namespace', 'doomed']);
    kubectl(
      l,
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hold, namespace: doomed, finalizers: [clustertap.test/hold]}\n',
    );
    kubectl(l, ['delete', 'namespace', 'doomed', '--wait=false']);
    try {
      const run = await clustertap(['deploy', ...base(l, 'term1'), '--select-namespace', 'doomed']);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('namespace doomed is being deleted (Terminating)');
      expect(residue(l, 'term1')).toEqual([]);
    } finally {
      kubectl(l, [
        'patch',
        'configmap',
        'hold',
        '-n',
        'doomed',
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":null}}',
      ]);
    }
  });

  it('survives an API-server restart in the middle of a deploy', async () => {
    const deploying = clustertap([
      'deploy',
      ...base(l, 'restart1'),
      '--select-namespace',
      'shop',
      '--agent-image',
      AGENT_IMAGE,
    ]);
    // Restart while the deploy is under way (it starts with the selection and the preflight).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    labCommand(['restart', 'kube-apiserver']);
    const run = await deploying;
    expect(run.stderr + run.stdout).toMatch(/agents Ready/);
    expect(run.code).toBe(0);
    await clustertap(['undeploy', ...base(l, 'restart1')]);
    expect(residue(l, 'restart1')).toEqual([]);
  });

  it('unreachable API server and bad credentials get one clear line each', async () => {
    const dir = fs.mkdtempSync('/tmp/ct-kc-');
    const text = fs.readFileSync(l.kubeconfig, 'utf8');
    fs.writeFileSync(`${dir}/closed`, text.replace(/server: .*/, 'server: https://127.0.0.1:1'));
    const closed = await clustertap([
      'deploy',
      '--kubeconfig',
      `${dir}/closed`,
      '--context',
      'lab',
      '--select-namespace',
      'shop',
      '--collector',
      '127.0.0.1',
    ]);
    expect(closed.code).not.toBe(0);
    expect(closed.stderr).toMatch(/unreachable \(ECONNREFUSED\)/);
    const badCreds = [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: lab, cluster: {server: "${l.apiServer}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: nobody, user: {token: not-a-valid-token}}]',
      'contexts: [{name: bad, context: {cluster: lab, user: nobody}}]',
      'current-context: bad',
    ].join('\n');
    fs.writeFileSync(`${dir}/bad`, badCreds);
    const denied = await clustertap(['status', '--kubeconfig', `${dir}/bad`]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/rejected the credentials \(401 Unauthorized\)/);
    fs.rmSync(dir, { recursive: true });
  });

  it('leaves nothing of ClusterTap on the cluster after the tests', () => {
    expect(residue(l)).toEqual([]);
  });
});
