import fs from 'node:fs';
import { it } from 'vitest';
import { IPV4_GRE, IPV4_VXLAN, IPV6_GRE, onLink } from '../fixtures/packets.js';
it('dump', () => {
  const h = Buffer.alloc(24); h.writeUInt32LE(0xa1b2c3d4, 0); h.writeUInt16LE(2, 4); h.writeUInt16LE(4, 6); h.writeUInt32LE(65535, 16); h.writeUInt32LE(1, 20);
  const parts = [h];
  for (const p of [IPV4_VXLAN, IPV6_GRE, IPV4_GRE]) { const f = onLink(1, p); const r = Buffer.alloc(16); r.writeUInt32LE(f.length, 8); r.writeUInt32LE(f.length, 12); parts.push(r, Buffer.from(f)); }
  fs.writeFileSync('/tmp/fx.pcap', Buffer.concat(parts));
});
