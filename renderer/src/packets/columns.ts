import type { PacketRow } from '../api/dto.js';
import { relativeTime } from '../ui/format.js';

/** Wireshark's default columns plus where the packet was tapped. Widths in px; Info takes the rest. */
export interface Column {
  id: string;
  title: string;
  width: number;
  align?: 'right';
  text(row: PacketRow): string;
}

const directionMark = (row: PacketRow) =>
  row.direction === 'egress' ? '→' : row.direction === 'ingress' ? '←' : '';

export const PACKET_COLUMNS: readonly Column[] = [
  { id: 'number', title: 'No.', width: 72, align: 'right', text: (r) => String(r.number) },
  { id: 'time', title: 'Time', width: 96, align: 'right', text: (r) => relativeTime(r.time) },
  { id: 'node', title: 'Node', width: 96, text: (r) => r.node },
  {
    id: 'pod',
    title: 'Namespace/Pod',
    width: 210,
    // Unlabelled packets say so rather than leave the cell blank.
    text: (r) =>
      r.pod ? `${r.namespace}/${r.pod} ${directionMark(r)}` : r.interfaceName || '(unnamed interface)',
  },
  { id: 'source', title: 'Source', width: 130, text: (r) => r.source },
  { id: 'destination', title: 'Destination', width: 130, text: (r) => r.destination },
  { id: 'protocol', title: 'Protocol', width: 70, text: (r) => r.protocol },
  { id: 'length', title: 'Length', width: 60, align: 'right', text: (r) => String(r.length) },
  { id: 'info', title: 'Info', width: 0, text: (r) => r.info },
];

/** The grid template shared by the header and every row. */
export const GRID_TEMPLATE = PACKET_COLUMNS.map((c) =>
  c.width ? `${c.width}px` : 'minmax(240px, 1fr)',
).join(' ');
