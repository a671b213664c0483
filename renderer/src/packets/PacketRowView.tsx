import type { MouseEvent } from 'react';
import type { PacketRow } from '../api/dto.js';
import type { Column } from './columns.js';

interface Props {
  index: number;
  /** Position inside the list's layer (px). */
  top: number;
  /** undefined while its page is being fetched. */
  row: PacketRow | undefined;
  /** The columns shown, in order; their widths come from the list's --packet-columns. */
  columns: readonly Column[];
  selected: boolean;
  marked: boolean;
  onPick: (event: MouseEvent) => void;
}

/** One packet, coloured by the Wireshark colouring rule the core matched (the row carries it). */
export function PacketRowView({ index, top, row, columns, selected, marked, onPick }: Props) {
  const colour =
    row?.colour && !selected && !marked
      ? { color: row.colour.foreground, backgroundColor: row.colour.background }
      : undefined;
  return (
    // biome-ignore lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: a row of the virtualized grid, which holds the focus
    <div
      id={`packet-row-${index}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`packet-row${selected ? ' selected' : ''}${marked ? ' marked' : ''}${row ? '' : ' loading'}`}
      style={{ top, ...colour }}
      title={row?.colour ? `Colouring rule: ${row.colour.rule}` : undefined}
      onMouseDown={onPick}
    >
      {columns.map((c) => (
        // biome-ignore lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: a cell of the virtualized grid
        <div
          key={c.id}
          role="gridcell"
          data-col={c.id}
          className={`cell${c.align === 'right' ? ' right' : ''}`}
        >
          {row ? c.text(row) : c.id === 'number' ? '…' : ''}
        </div>
      ))}
    </div>
  );
}
