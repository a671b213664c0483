import net from 'node:net';
import { UsageError } from '../allow-list.js';

export type ForwardTarget =
  | { kind: 'vxlan'; host: string; port: number; vni: number; url: string }
  | { kind: 'gre'; host: string; key: number | undefined; url: string }
  | { kind: 'pcap-over-ip'; host: string; port: number; url: string };

/**
 * `--forward vxlan://HOST:PORT?vni=N`, `gre://HOST?key=K`, `pcap-over-ip://HOST:PORT`.
 * HOST is an address (IPv6 in brackets); names are not resolved per packet.
 */
export function parseForwardTarget(url: string): ForwardTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(url, 'not a URL');
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!net.isIP(host)) throw usage(url, `"${parsed.hostname}" is not an IP address`);
  const number = (name: string, text: string | null, max: number, fallback?: number) => {
    if (text === null || text === '') {
      if (fallback !== undefined) return fallback;
      throw usage(url, `${name} is missing`);
    }
    const value = Number(text);
    if (!/^\d+$/.test(text) || value > max) throw usage(url, `${name} must be 0-${max}`);
    return value;
  };
  switch (parsed.protocol) {
    case 'vxlan:':
      return {
        kind: 'vxlan',
        host,
        port: number('port', parsed.port, 65535, 4789),
        vni: number('vni', parsed.searchParams.get('vni'), 0xffffff),
        url,
      };
    case 'gre:': {
      const key = parsed.searchParams.get('key');
      return { kind: 'gre', host, key: key === null ? undefined : number('key', key, 0xffffffff), url };
    }
    case 'pcap-over-ip:':
      return { kind: 'pcap-over-ip', host, port: number('port', parsed.port, 65535), url };
    default:
      throw usage(url, 'expected vxlan://HOST:PORT?vni=N, gre://HOST?key=K or pcap-over-ip://HOST:PORT');
  }
}

function usage(url: string, why: string): UsageError {
  return new UsageError(`--forward ${url}: ${why}`);
}
