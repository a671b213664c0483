import { execFileSync } from 'node:child_process';

/** The lab bridge in the host namespace: node namespaces hang off it, the API server listens on it. */
export const BRIDGE = 'ctlab0';
export const GATEWAY_IP = '198.19.200.1';
export const BRIDGE_PREFIX = 24;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function bridgeExists(): boolean {
  try {
    ip(['link', 'show', BRIDGE]);
    return true;
  } catch {
    return false;
  }
}

export function ensureBridge(): void {
  if (!bridgeExists()) ip(['link', 'add', BRIDGE, 'type', 'bridge']);
  // The bridge never speaks IPv6 for itself: no router solicitations in anybody's capture.
  execFileSync('sysctl', ['-qw', `net.ipv6.conf.${BRIDGE}.disable_ipv6=1`]);
  if (!ip(['-4', 'addr', 'show', 'dev', BRIDGE]).includes(`${GATEWAY_IP}/`))
    ip(['addr', 'add', `${GATEWAY_IP}/${BRIDGE_PREFIX}`, 'dev', BRIDGE]);
  ip(['link', 'set', BRIDGE, 'up']);
}

export function removeBridge(): void {
  if (bridgeExists()) ip(['link', 'del', BRIDGE]);
}

/** Node i's address on the bridge. */
export function nodeIP(index: number): string {
  return `198.19.200.${10 + index}`;
}
