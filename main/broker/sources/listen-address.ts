import net from 'node:net';
import { UsageError } from '../allow-list.js';

export interface ListenAddress {
  address: string;
  port: number;
  family: 'udp4' | 'udp6';
}

export const DEFAULT_VXLAN_PORT = 4789;

/** `--vxlan [ADDR:]PORT`: "4789", "127.0.0.1:4789", "[::]:4789", "::1:4789" is rejected as ambiguous. */
export function parseListenAddress(text: string): ListenAddress {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const plain = /^(?:([^:]+):)?(\d+)$/.exec(text);
  const address = bracketed?.[1] ?? plain?.[1] ?? '0.0.0.0';
  const port = Number(bracketed?.[2] ?? plain?.[2]);
  const family = net.isIPv6(address) ? 'udp6' : net.isIPv4(address) ? 'udp4' : undefined;
  if ((!bracketed && !plain) || !family || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`--vxlan ${text}: expected [ADDR:]PORT such as 4789, 192.0.2.1:4789 or [::]:4789`);
  return { address, port, family };
}

export function formatListenAddress({ address, port, family }: ListenAddress): string {
  return family === 'udp6' ? `[${address}]:${port}` : `${address}:${port}`;
}
