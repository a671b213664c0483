import { describe, expect, it } from 'vitest';
import { hostPort, isLoopbackAddress, newToken } from '../../../main/serve/access.js';
import { displayHost } from '../../../main/serve/server.js';

describe('what counts as loopback (no token needed)', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.0.0.2', true],
    ['127.255.255.254', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['198.18.0.1', false],
    ['10.0.0.5', false],
    ['128.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['myhost.example', false],
  ])('%s → %s', (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
  });
});

describe('tokens and URLs', () => {
  it('makes 32 random bytes in base64url', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(a);
  });

  it('writes host:port as browsers do', () => {
    expect(hostPort('127.0.0.1', 7480)).toBe('127.0.0.1:7480');
    expect(hostPort('::1', 7480)).toBe('[::1]:7480');
    expect(hostPort('example', 80)).toBe('example');
  });

  it('prints a reachable address for a wildcard bind', () => {
    const interfaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      eth0: [
        { address: 'fe80::1', family: 'IPv6', internal: false },
        { address: '192.0.2.7', family: 'IPv4', internal: false },
      ],
    } as never;
    expect(displayHost('0.0.0.0', interfaces)).toBe('192.0.2.7');
    expect(displayHost('198.18.0.1', interfaces)).toBe('198.18.0.1');
    expect(displayHost('[::1]', interfaces)).toBe('::1');
  });
});
