import { describe, expect, it } from 'vitest';
import { parseCollector, type SessionFlags, sessionFromFlags } from '../../main/cli/session-flags.js';

const flags = (over: Partial<SessionFlags> = {}): SessionFlags => ({
  selectNamespace: [],
  selectLabel: [],
  selectPod: [],
  transport: 'vxlan',
  agentImage: 'img',
  imagePullSecret: [],
  leaseTtl: '15',
  ...over,
});

describe('deploy flags', () => {
  it('parse the collector like an address the user types', () => {
    expect(parseCollector('192.0.2.7')).toEqual({ address: '192.0.2.7', port: 4789 });
    expect(parseCollector('192.0.2.7:4790')).toEqual({ address: '192.0.2.7', port: 4790 });
    expect(parseCollector('[2001:db8::1]:4790')).toEqual({ address: '2001:db8::1', port: 4790 });
    expect(parseCollector('2001:db8::1')).toEqual({ address: '2001:db8::1', port: 4789 });
    expect(parseCollector('collector.example:4789')).toEqual({ address: 'collector.example', port: 4789 });
    expect(() => parseCollector('a:b:c:')).toThrow(/--collector: expected ADDR\[:PORT\]/);
    expect(() => parseCollector('192.0.2.7:70000')).toThrow(/out of range/);
  });

  it('build the selection from repeatable flags', () => {
    const s = sessionFromFlags(
      flags({
        selectNamespace: ['shop', 'web'],
        selectLabel: ['app=web', 'tier=front'],
        selectPod: ['db/db-0'],
        session: 'abcd1234',
      }),
    );
    expect(s.selection).toEqual({
      namespaces: ['shop', 'web'],
      pods: ['db/db-0'],
      labelSelector: 'app=web,tier=front',
    });
    expect(s.id).toBe('abcd1234');
    expect(s.collector).toBeUndefined();
  });

  it('refuse what cannot work, saying which flag and what to type', () => {
    expect(() => sessionFromFlags(flags())).toThrow(/select what to tap: --select-namespace NS/);
    expect(() => sessionFromFlags(flags({ selectNamespace: ['a'], transport: 'ipip' }))).toThrow(
      /--transport: expected vxlan, gre or api/,
    );
    expect(() => sessionFromFlags(flags({ selectPod: ['nopod'] }))).toThrow(
      /--select-pod: expected NAMESPACE\/POD/,
    );
    expect(() => sessionFromFlags(flags({ selectLabel: ['app'] }))).toThrow(
      /--select-label: expected KEY=VALUE/,
    );
    expect(() => sessionFromFlags(flags({ selectNamespace: ['a'], session: 'Bad_Id' }))).toThrow(/--session/);
    expect(() => sessionFromFlags(flags({ selectNamespace: ['a'], leaseTtl: '2' }))).toThrow(/--lease-ttl/);
  });
});
