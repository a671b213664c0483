import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  ContainerConfigError,
  envReferences,
  expandVars,
  type KeyedData,
  resolveEnv,
} from '../lab/kubelet/pod-env.js';

const pod: V1Pod = {
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', labels: { app: 'web', tier: 'front' } },
  spec: { nodeName: 'lab-node-2', serviceAccountName: 'shop-sa', containers: [] },
};
const facts = { podIP: '10.244.2.7', hostIP: '198.19.200.12', apiHost: '198.19.200.1', apiPort: '6443' };
const data: KeyedData = {
  configMaps: new Map([['shop/cfg', { MODE: 'fast', URL: 'http://x' }]]),
  secrets: new Map([['shop/creds', { password: 's3cret' }]]),
};
const env = (container: Partial<V1Container>) => resolveEnv(pod, { name: 'c', ...container }, data, facts);

describe('lab kubelet: container environment', () => {
  it('resolves the downward API fields kubelet supports', () => {
    const fields = [
      'metadata.name',
      'metadata.namespace',
      'metadata.uid',
      'spec.nodeName',
      'spec.serviceAccountName',
      'status.podIP',
      'status.hostIP',
    ];
    const result = env({
      env: fields.map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })),
    });
    expect(fields.map((_, i) => result[`F${i}`])).toEqual([
      'web-1',
      'shop',
      'u-1',
      'lab-node-2',
      'shop-sa',
      '10.244.2.7',
      '198.19.200.12',
    ]);
    expect(
      env({ env: [{ name: 'L', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } }] }).L,
    ).toBe('front');
  });

  it('reads ConfigMap and Secret keys, and envFrom with a prefix', () => {
    const result = env({
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
      env: [
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
      ],
    });
    expect(result).toMatchObject({ CFG_MODE: 'fast', CFG_URL: 'http://x', PASSWORD: 's3cret', MODE: 'fast' });
  });

  it('fails like kubelet (CreateContainerConfigError) on a missing key or object unless optional', () => {
    expect(() =>
      env({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }] }),
    ).toThrow(ContainerConfigError);
    expect(() =>
      env({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'missing', key: 'k' } } }] }),
    ).toThrow(/secret "missing" not found/);
    const optional = env({
      env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'missing', key: 'k', optional: true } } }],
    });
    expect(optional.X).toBeUndefined();
  });

  it('points pods at the API server directly (the lab has no kube-proxy)', () => {
    expect(env({})).toMatchObject({
      KUBERNETES_SERVICE_HOST: '198.19.200.1',
      KUBERNETES_SERVICE_PORT: '6443',
    });
  });

  it('expands $(VAR) from earlier variables, keeps unknown references, and unescapes $$', () => {
    const result = env({
      env: [
        { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'URL', value: 'http://$(HOST):8080/$(UNKNOWN)/$$(HOST)' },
      ],
    });
    expect(result.URL).toBe('http://10.244.2.7:8080/$(UNKNOWN)/$(HOST)');
    expect(expandVars('$(A)$(B)', { A: '1' })).toBe('1$(B)');
  });

  it('lists the ConfigMaps and Secrets to fetch before resolving', () => {
    const refs = envReferences(pod, {
      name: 'c',
      envFrom: [{ secretRef: { name: 'all' } }],
      env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }],
    });
    expect([...refs.configMaps]).toEqual(['shop/cfg']);
    expect([...refs.secrets]).toEqual(['shop/all']);
  });
});
