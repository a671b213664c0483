import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { createUdpFlowSender, parseFlowTarget } from '../../../main/broker/flows/udp-flow-sender.js';

describe('parseFlowTarget', () => {
  it('reads HOST:PORT, [IPv6]:PORT and host names', () => {
    expect(parseFlowTarget('192.0.2.10:2055', 'netflow9')).toEqual({ host: '192.0.2.10', port: 2055 });
    expect(parseFlowTarget('[2001:db8::1]:4739', 'ipfix')).toEqual({ host: '2001:db8::1', port: 4739 });
    expect(parseFlowTarget('collector.example:4739', 'ipfix')).toEqual({
      host: 'collector.example',
      port: 4739,
    });
  });

  it.each([
    ['2001:db8::1:4739', 'ipfix', '--ipfix 2001:db8::1:4739: put an IPv6 address in brackets'],
    ['192.0.2.10', 'netflow9', '--netflow9 192.0.2.10: the port is missing'],
    ['192.0.2.10:http', 'ipfix', 'the port is not a number'],
    ['192.0.2.10:0', 'ipfix', 'port 0 is not 1-65535'],
    ['192.0.2.10:65536', 'ipfix', 'port 65536 is not 1-65535'],
    ['[192.0.2.10]:4739', 'ipfix', '"192.0.2.10" in brackets is not an IPv6 address'],
  ] as const)('rejects %s with a message that says what to change', (text, kind, message) => {
    expect(() => parseFlowTarget(text, kind)).toThrow(message);
    expect(() => parseFlowTarget(text, kind)).toThrow(/expected HOST:PORT such as/);
  });
});

/** A UDP socket standing in for the collector; resolves with what it received. */
async function collector(type: 'udp4' | 'udp6', address: string) {
  const socket = dgram.createSocket(type);
  const received: Buffer[] = [];
  socket.on('message', (message) => received.push(message));
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return { port: socket.address().port, received, close: () => socket.close() };
}

const ipv6Loopback = await collector('udp6', '::1').then(
  (socket) => {
    socket.close();
    return true;
  },
  () => false,
);
if (!ipv6Loopback)
  console.warn('udp-flow-sender: no IPv6 loopback (::1) here, the IPv6 collector case cannot run');

async function until(condition: () => boolean, ms = 2000) {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('createUdpFlowSender', () => {
  it('sends each datagram to the collector and closes once they are out', async () => {
    const server = await collector('udp4', '127.0.0.1');
    const sender = await createUdpFlowSender(`127.0.0.1:${server.port}`, 'ipfix');
    expect(sender.target).toBe(`127.0.0.1:${server.port}`);
    for (const n of [1, 2, 3]) sender.send(Buffer.from([n]));
    await sender.close();
    await until(() => server.received.length === 3);
    expect(server.received.map((b) => b[0])).toEqual([1, 2, 3]);
    expect(sender.counters).toEqual({ sent: 3, sendErrors: 0 });
    sender.send(Buffer.from([4])); // after close: counted, never thrown into the capture
    expect(sender.counters).toEqual({ sent: 3, sendErrors: 1 });
    server.close();
  });

  it('resolves a host name once', async () => {
    const server = await collector('udp4', '127.0.0.1');
    const sender = await createUdpFlowSender(`localhost:${server.port}`, 'netflow9');
    expect(sender.target).toMatch(/^(127\.0\.0\.1|\[::1\]):\d+$/);
    await sender.close();
    server.close();
  });

  it.skipIf(!ipv6Loopback)('reaches an IPv6 collector given in brackets', async () => {
    const server = await collector('udp6', '::1');
    const sender = await createUdpFlowSender(`[::1]:${server.port}`, 'ipfix');
    sender.send(Buffer.from('x'));
    await sender.close();
    await until(() => server.received.length === 1);
    expect(sender.target).toBe(`[::1]:${server.port}`);
    expect(server.received).toHaveLength(1);
    server.close();
  });

  it('counts the errors of a collector that is not listening instead of failing the capture', async () => {
    const gone = await collector('udp4', '127.0.0.1');
    gone.close(); // a port nobody listens on: the kernel answers with ICMP port unreachable
    const sender = await createUdpFlowSender(`127.0.0.1:${gone.port}`, 'netflow9');
    for (let i = 0; i < 100 && sender.counters.sendErrors === 0; i++) {
      sender.send(Buffer.from('x'));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(sender.counters.sendErrors).toBeGreaterThan(0);
    expect(sender.lastError).toMatch(/ECONNREFUSED/);
    await sender.close();
  });
});
