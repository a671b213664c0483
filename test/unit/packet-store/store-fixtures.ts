import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PacketStore, type PacketStoreDeps } from '../../../main/capture/packet-store/packet-store.js';

/** A parent directory for the stores of one test file, removed by the returned cleanup. */
export function storeParent(prefix: string): { parent: string; remove: () => void } {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), `clustertap-unit-${prefix}-`));
  return { parent, remove: () => fs.rmSync(parent, { recursive: true, force: true }) };
}

/** Packet `n` of a test: its bytes say its number, so a mix-up between packets shows. */
export function packetBytes(n: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (n * 31 + i) & 0xff;
  if (length >= 4) new DataView(bytes.buffer).setUint32(0, n);
  return bytes;
}

export const TAPS = [
  {
    name: 'node-a/shop/cart-7 (ingress)',
    description: 'pod shop/cart-7 on node node-a',
    linkType: 1,
    tsResolution: 9,
  },
  { name: 'node-b/kube-system/dns-1 (egress)', linkType: 1, tsResolution: 6 },
];

/** A store with the two taps above and `count` packets of varying size, one µs apart. */
export function filledStore(
  parent: string,
  count: number,
  deps: PacketStoreDeps = {},
  size = (n: number) => 60 + (n % 7) * 100,
): PacketStore {
  const store = new PacketStore({ tempDirectory: parent, ...deps });
  for (const tap of TAPS) store.addInterface(tap);
  for (let n = 1; n <= count; n++) appendNumbered(store, n, size(n));
  return store;
}

/** Appends packet n: even numbers on interface 0 (ns), odd on 1 (µs), 1 ms apart. */
export function appendNumbered(store: PacketStore, n: number, length: number): number {
  const iface = n % 2 === 0 ? 0 : 1;
  const micros = 1_700_000_000_000_000 + n * 1000;
  const units = iface === 0 ? BigInt(micros) * 1000n : BigInt(micros);
  return store.append(
    iface,
    Number(units >> 32n),
    Number(units & 0xffffffffn),
    packetBytes(n, length),
    length,
    iface === 0 ? 1 : 2,
  );
}

export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
