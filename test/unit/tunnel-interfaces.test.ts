import { describe, expect, it } from 'vitest';
import { type TunnelInterface, TunnelInterfaces } from '../../main/broker/tunnel-interfaces.js';
import { TunnelMap } from '../../main/broker/tunnel-map.js';

function setup(map: TunnelMap) {
  const added: Omit<TunnelInterface, 'id' | 'received' | 'written' | 'dropped'>[] = [];
  const interfaces = new TunnelInterfaces(
    {
      addInterface: (t) => {
        added.push(t);
        return added.length - 1;
      },
    },
    map,
  );
  return { interfaces, added };
}

describe('pcapng interfaces per tunnel, named after pods', () => {
  it('one interface per (peer, tunnel ID); the label names it and sets the direction', () => {
    const map = new TunnelMap([
      { tunnelId: 7, peer: '198.19.200.11', name: 'lab-node-1/shop/web-0 (egress)', direction: 'outbound' },
    ]);
    const { interfaces, added } = setup(map);
    const a = interfaces.resolve('vxlan', '198.19.200.11', 7, 1, 9);
    expect(interfaces.resolve('vxlan', '198.19.200.11', 7, 1, 9)).toBe(a);
    const b = interfaces.resolve('vxlan', '198.19.200.12', 7, 1, 9);
    expect(a.name).toBe('lab-node-1/shop/web-0 (egress)');
    expect(a.flags).toBe(2);
    expect(b.name).toBe('vxlan:198.19.200.12/vni=7');
    expect(added).toHaveLength(2);
  });

  it('a label that arrives after the first packet starts a pod-named interface', () => {
    const map = new TunnelMap();
    const { interfaces, added } = setup(map);
    const early = interfaces.resolve('vxlan', '198.19.200.11', 9, 1, 9);
    expect(early.name).toBe('vxlan:198.19.200.11/vni=9');
    map.replace([
      { tunnelId: 9, peer: '198.19.200.11', name: 'lab-node-1/shop/db-0 (ingress)', direction: 'inbound' },
    ]);
    const late = interfaces.resolve('vxlan', '198.19.200.11', 9, 1, 9);
    expect(late).not.toBe(early);
    expect([late.name, late.flags]).toEqual(['lab-node-1/shop/db-0 (ingress)', 1]);
    expect(interfaces.resolve('vxlan', '198.19.200.11', 9, 1, 9)).toBe(late);
    // A labelled interface keeps its name when the map changes again (IDs are never reused).
    map.replace([]);
    expect(interfaces.resolve('vxlan', '198.19.200.11', 9, 1, 9)).toBe(late);
    expect(added.map((a) => a.name)).toEqual(['vxlan:198.19.200.11/vni=9', 'lab-node-1/shop/db-0 (ingress)']);
  });
});
