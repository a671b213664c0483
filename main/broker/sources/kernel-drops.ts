import fs from 'node:fs';

/**
 * Datagrams the kernel dropped for a UDP socket (receive buffer full), from the `drops` column
 * of /proc/net/udp or /proc/net/udp6 — the same number `ss -u -m` shows. Undefined off Linux.
 */
export function udpSocketDrops(family: 'udp4' | 'udp6', port: number): number | undefined {
  let table: string;
  try {
    table = fs.readFileSync(family === 'udp4' ? '/proc/net/udp' : '/proc/net/udp6', 'utf8');
  } catch {
    return undefined;
  }
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let drops: number | undefined;
  for (const line of table.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns[1]?.endsWith(portHex) && columns[2]?.endsWith(':0000'))
      drops = (drops ?? 0) + Number(columns[columns.length - 1]);
  }
  return drops;
}
