import type { PacketRow, UiSettings } from '../api/dto.js';
import { relativeTime } from '../ui/format.js';

/**
 * The packet list's columns: Wireshark's defaults plus where the packet was tapped. Each has a
 * default width in px; Info is always shown, always last, and takes the rest. The user's layout
 * (widths, hidden columns) is a list in the contract's own shape (settings `columns.packets`),
 * so what the store holds is what settings.update saves.
 */
export type ColumnId =
  | 'number'
  | 'time'
  | 'node'
  | 'pod'
  | 'source'
  | 'destination'
  | 'protocol'
  | 'length'
  | 'info';

export interface Column {
  id: ColumnId;
  title: string;
  /** Default width (px); 0 for Info, which is flexible. */
  width: number;
  align?: 'right';
  text(row: PacketRow): string;
}

/** One column of a saved layout, exactly as the settings contract has it. */
export type ColumnSetting = UiSettings['columns'][string][number];

/** The settings key of the packet list's layout. */
export const PACKETS_TABLE = 'packets';
/** The flexible column. */
export const FLEX_COLUMN: ColumnId = 'info';
/** A column is never narrower than this (the settings allow 10; a resize handle needs room). */
export const MIN_COLUMN_WIDTH = 32;
export const MAX_COLUMN_WIDTH = 2000;
/** Info's minimum: what is left of the list, but at least this. */
export const FLEX_MIN_WIDTH = 240;
/** Alt+←/Alt+→ on a header cell. */
export const RESIZE_STEP = 10;

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

const BY_ID = new Map<string, Column>(PACKET_COLUMNS.map((c) => [c.id, c]));

export function columnById(id: string): Column | undefined {
  return BY_ID.get(id);
}

export function clampWidth(width: number): number {
  if (!Number.isFinite(width)) return MIN_COLUMN_WIDTH;
  return Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, width)));
}

/** Every column at its default width, shown. */
export function defaultLayout(): ColumnSetting[] {
  return PACKET_COLUMNS.map((c) =>
    c.id === FLEX_COLUMN ? { id: c.id, visible: true } : { id: c.id, width: c.width, visible: true },
  );
}

/**
 * A saved layout made usable: every known column once, in the list's order, widths clamped,
 * unknown ids (a newer or older version) dropped, Info shown and without a width.
 */
export function normalizeLayout(saved: readonly ColumnSetting[] | undefined): ColumnSetting[] {
  const byId = new Map((saved ?? []).map((c) => [c.id, c]));
  return PACKET_COLUMNS.map((c) => {
    if (c.id === FLEX_COLUMN) return { id: c.id, visible: true };
    const s = byId.get(c.id);
    return { id: c.id, width: clampWidth(s?.width ?? c.width), visible: s?.visible ?? true };
  });
}

export function sameLayout(a: readonly ColumnSetting[], b: readonly ColumnSetting[]): boolean {
  return (
    a.length === b.length &&
    a.every((c, i) => c.id === b[i]?.id && c.width === b[i]?.width && c.visible === b[i]?.visible)
  );
}

/** The width a column has in `layout` (its default when the layout does not say). */
export function widthOf(layout: readonly ColumnSetting[], id: ColumnId): number {
  const column = columnById(id);
  return layout.find((c) => c.id === id)?.width ?? column?.width ?? MIN_COLUMN_WIDTH;
}

export function withWidth(layout: readonly ColumnSetting[], id: ColumnId, width: number): ColumnSetting[] {
  if (id === FLEX_COLUMN) return [...layout];
  return layout.map((c) => (c.id === id ? { ...c, width: clampWidth(width) } : c));
}

export function withVisibility(
  layout: readonly ColumnSetting[],
  id: ColumnId,
  visible: boolean,
): ColumnSetting[] {
  if (id === FLEX_COLUMN) return [...layout];
  return layout.map((c) => (c.id === id ? { ...c, visible } : c));
}

/** The columns shown, in order (Info last). */
export function visibleColumns(layout: readonly ColumnSetting[]): Column[] {
  const shown = new Set(layout.filter((c) => c.visible).map((c) => c.id));
  return PACKET_COLUMNS.filter((c) => c.id === FLEX_COLUMN || shown.has(c.id));
}

/**
 * The two CSS custom properties the list container carries: the grid template shared by the
 * header and every row, and the width below which the list scrolls sideways.
 */
export function layoutStyle(layout: readonly ColumnSetting[]): { template: string; minWidth: string } {
  let total = FLEX_MIN_WIDTH;
  const tracks = visibleColumns(layout).map((c) => {
    if (c.id === FLEX_COLUMN) return `minmax(${FLEX_MIN_WIDTH}px, 1fr)`;
    const width = widthOf(layout, c.id);
    total += width;
    return `${width}px`;
  });
  return { template: tracks.join(' '), minWidth: `${total}px` };
}

/** Writes the layout onto the list container: one style update, whatever the number of rows. */
export function applyLayout(container: HTMLElement, layout: readonly ColumnSetting[]): void {
  const { template, minWidth } = layoutStyle(layout);
  container.style.setProperty('--packet-columns', template);
  container.style.setProperty('--packet-min-width', minWidth);
}

/**
 * The width that shows every rendered cell of a column (header included) without an ellipsis:
 * the widest text, measured with a Range (a cell's own box is as wide as the column), plus the
 * cell's horizontal padding and a pixel to spare.
 */
export function fitWidth(container: HTMLElement, id: ColumnId): number {
  const range = document.createRange();
  let widest = 0;
  let padding = 0;
  for (const cell of container.querySelectorAll<HTMLElement>(`.cell[data-col="${id}"]`)) {
    const label = cell.querySelector<HTMLElement>('.cell-label') ?? cell;
    range.selectNodeContents(label);
    widest = Math.max(widest, range.getBoundingClientRect().width);
    if (!padding) {
      const style = getComputedStyle(cell);
      padding = Number.parseFloat(style.paddingLeft) + Number.parseFloat(style.paddingRight);
    }
  }
  range.detach();
  return clampWidth(Math.ceil(widest + padding + 1));
}
