import { describe, expect, it } from 'vitest';
import {
  BYTES_PER_PACKET,
  CHUNK_PACKETS,
  PacketTable,
} from '../../../main/capture/packet-store/packet-table.js';

function fill(table: PacketTable, count: number): void {
  for (let i = 0; i < count; i++) table.push(i % 3, i, i * 2, i % 1500, 1500, i & 3, i * 1500);
}

describe('PacketTable', () => {
  it('numbers packets from 1 and returns every column as stored, across chunk boundaries', () => {
    const table = new PacketTable();
    expect(table.count).toBe(0);
    expect(table.last).toBe(0);
    fill(table, CHUNK_PACKETS + 10);
    expect(table.first).toBe(1);
    expect(table.last).toBe(CHUNK_PACKETS + 10);
    for (const n of [1, CHUNK_PACKETS, CHUNK_PACKETS + 1, CHUNK_PACKETS + 10]) {
      const i = n - 1;
      expect([
        table.interfaceId(n),
        table.tsHigh(n),
        table.tsLow(n),
        table.capturedLength(n),
        table.originalLength(n),
        table.flags(n),
        table.offset(n),
      ]).toEqual([i % 3, i, i * 2, i % 1500, 1500, i & 3, i * 1500]);
    }
  });

  it('keeps 30 bytes per packet, allocated a chunk at a time', () => {
    const table = new PacketTable();
    expect(table.memoryBytes).toBe(0);
    fill(table, 1);
    expect(table.memoryBytes).toBe(CHUNK_PACKETS * BYTES_PER_PACKET);
    expect(BYTES_PER_PACKET).toBe(30);
  });

  it('drops the oldest packets, keeps numbering, frees chunks nobody needs', () => {
    const table = new PacketTable();
    fill(table, 3 * CHUNK_PACKETS);
    expect(table.dropBefore(CHUNK_PACKETS + 5)).toBe(CHUNK_PACKETS + 4);
    expect(table.first).toBe(CHUNK_PACKETS + 5);
    expect(table.has(CHUNK_PACKETS + 4)).toBe(false);
    expect(table.memoryBytes).toBe(2 * CHUNK_PACKETS * BYTES_PER_PACKET);
    expect(table.tsHigh(CHUNK_PACKETS + 5)).toBe(CHUNK_PACKETS + 4);
    table.push(7, 1, 2, 3, 4, 5, 6);
    expect(table.last).toBe(3 * CHUNK_PACKETS + 1);
    expect(table.interfaceId(3 * CHUNK_PACKETS + 1)).toBe(7);
  });

  it('can drop everything and go on numbering', () => {
    const table = new PacketTable();
    fill(table, CHUNK_PACKETS);
    table.dropBefore(table.next);
    expect(table.count).toBe(0);
    expect(table.memoryBytes).toBe(0);
    table.push(1, 1, 1, 1, 1, 1, 1);
    expect(table.first).toBe(CHUNK_PACKETS + 1);
    expect(table.offset(CHUNK_PACKETS + 1)).toBe(1);
  });

  it('finds the first packet at or after a spill offset', () => {
    const table = new PacketTable();
    fill(table, 100);
    expect(table.firstAtOrAfter(0)).toBe(1);
    expect(table.firstAtOrAfter(1)).toBe(2);
    expect(table.firstAtOrAfter(1500 * 50)).toBe(51);
    expect(table.firstAtOrAfter(10 ** 9)).toBe(101);
  });
});
