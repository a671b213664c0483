import { type KeyboardEvent, memo, useState } from 'react';
import { useApp } from '../store/react.js';
import { nodeAt } from './tree-ops.js';

const PER_LINE = 16;

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const printable = (n: number) => (n >= 0x20 && n < 0x7f ? String.fromCharCode(n) : '.');

/**
 * The frame's bytes: offset, hex, ASCII, 16 per line like Wireshark's bytes pane. The selected
 * field's range is highlighted; clicking a byte (or moving the cursor with the arrow keys) selects
 * the deepest field covering it.
 */
export function HexDump() {
  const packet = useApp((s) => s.detail.packet);
  const field = useApp((s) => s.detail.field);
  const selectByte = useApp((s) => s.detail.selectByte);
  const [cursor, setCursor] = useState<number | null>(null);
  if (!packet) return <div className="hex-dump empty" />;
  const data = packet.data;
  const node = field ? nodeAt(packet.tree, field) : undefined;
  const start = node?.offset ?? -1;
  const end = node ? node.offset + node.length : -1;

  const moveTo = (offset: number) => {
    const clamped = Math.max(0, Math.min(data.length - 1, offset));
    setCursor(clamped);
    selectByte(clamped);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    const at = cursor ?? Math.max(start, 0);
    const moves: Record<string, number> = {
      ArrowRight: at + 1,
      ArrowLeft: at - 1,
      ArrowDown: at + PER_LINE,
      ArrowUp: at - PER_LINE,
      Home: at - (at % PER_LINE),
      End: at - (at % PER_LINE) + PER_LINE - 1,
    };
    const to = moves[event.key];
    if (to !== undefined) {
      event.preventDefault();
      moveTo(to);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      document.querySelector<HTMLElement>('[data-focus="protocol-tree"]')?.focus();
    }
  };

  const lines = [];
  for (let offset = 0; offset < data.length; offset += PER_LINE)
    lines.push(
      <HexLine
        key={offset}
        offset={offset}
        bytes={data.subarray(offset, offset + PER_LINE)}
        // Only lines the highlight or cursor touch get new props, so only they re-render.
        from={Math.max(start, offset) - offset}
        to={Math.min(end, offset + PER_LINE) - offset}
        cursor={cursor !== null && cursor >= offset && cursor < offset + PER_LINE ? cursor - offset : -1}
        onPick={moveTo}
      />,
    );

  const truncated = packet.originalLength > data.length;
  return (
    <section
      className="hex-dump"
      aria-label={`Packet bytes: ${data.length} bytes${node ? `; ${node.label} is bytes ${start} to ${end - 1}` : ''}`}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the arrow keys move a byte cursor here, so it takes focus
      tabIndex={0}
      data-focus="hex-dump"
      onKeyDown={onKeyDown}
    >
      {lines}
      {truncated && (
        <p className="hint">
          Sliced: {data.length} of {packet.originalLength} bytes captured.
        </p>
      )}
      <span className="sr-only" aria-live="polite">
        {cursor !== null && `Byte ${cursor}: 0x${hex2(data[cursor] ?? 0)}${node ? `, ${node.label}` : ''}`}
      </span>
    </section>
  );
}

interface LineProps {
  offset: number;
  bytes: Uint8Array;
  /** Highlighted byte range within the line [from, to). */
  from: number;
  to: number;
  cursor: number;
  onPick: (offset: number) => void;
}

const HexLine = memo(function HexLine({ offset, bytes, from, to, cursor, onPick }: LineProps) {
  const cls = (i: number) => `${i >= from && i < to ? 'hl' : ''}${i === cursor ? ' cursor' : ''}`;
  const hexCells = [];
  const asciiCells = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    const pick = () => onPick(offset + i);
    hexCells.push(
      // biome-ignore lint/a11y/noStaticElementInteractions: the dump's arrow keys reach every byte the mouse can
      <span
        key={i}
        className={`byte ${cls(i)}${i === 8 ? ' gap' : ''}`}
        data-offset={offset + i}
        onMouseDown={pick}
      >
        {hex2(b)}
      </span>,
    );
    asciiCells.push(
      // biome-ignore lint/a11y/noStaticElementInteractions: the dump's arrow keys reach every byte the mouse can
      <span key={i} className={`char ${cls(i)}`} data-offset={offset + i} onMouseDown={pick}>
        {printable(b)}
      </span>,
    );
  }
  return (
    <div className="hex-line">
      <span className="hex-offset">{offset.toString(16).padStart(4, '0')}</span>
      <span className="hex-bytes">{hexCells}</span>
      <span className="hex-ascii">{asciiCells}</span>
    </div>
  );
});
