import { type KeyboardEvent, type MouseEvent, memo, type ReactNode, useState } from 'react';
import { useApp } from '../store/react.js';
import { nodeAt } from './tree-ops.js';

const PER_LINE = 16;

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const printable = (n: number) => (n >= 0x20 && n < 0x7f ? String.fromCharCode(n) : '.');

/**
 * The frame's bytes: offset, hex, ASCII, 16 per line like Wireshark's bytes pane. The selected
 * field's range is highlighted; clicking a byte (or moving the cursor with the arrow keys) selects
 * the deepest field covering it. Each line is two text nodes plus a few spans for the highlight
 * and the cursor, not an element per byte: a 1,514-byte frame is ~100 lines, not ~3,000 spans,
 * so moving through packets restyles and lays out little.
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

  // One mousedown handler for every line: which byte is under the pointer follows from the
  // column's text (monospace, a fixed layout per line), so no byte needs an element of its own.
  const onMouseDown = (event: MouseEvent<HTMLElement>) => {
    const target = event.target instanceof Element ? event.target : null;
    const column = target?.closest<HTMLElement>('.hex-bytes, .hex-ascii');
    const line = column?.closest<HTMLElement>('.hex-line');
    if (!column || !line) return;
    const chars = column.textContent?.length ?? 0;
    const box = column.getBoundingClientRect();
    if (chars === 0 || box.width === 0) return;
    const at = Math.floor(((event.clientX - box.left) / box.width) * chars);
    const lineOffset = Number(line.dataset.offset);
    const count = Math.min(PER_LINE, data.length - lineOffset);
    const index = column.classList.contains('hex-ascii') ? at : byteAtHexChar(at);
    moveTo(lineOffset + Math.max(0, Math.min(count - 1, index)));
  };

  const lines = [];
  for (let offset = 0; offset < data.length; offset += PER_LINE)
    lines.push(
      <HexLine
        key={offset}
        data={data}
        offset={offset}
        // Only lines the highlight or cursor touch get new props, so only they re-render.
        from={Math.max(0, Math.min(PER_LINE, start - offset))}
        to={Math.max(0, Math.min(PER_LINE, end - offset))}
        cursor={cursor !== null && cursor >= offset && cursor < offset + PER_LINE ? cursor - offset : -1}
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
      onMouseDown={onMouseDown}
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
  data: Uint8Array;
  offset: number;
  /** Highlighted byte range within the line [from, to). */
  from: number;
  to: number;
  /** The cursor's byte within the line, or -1. */
  cursor: number;
}

/** Where byte i of a line starts in its hex text: "xx xx xx xx xx xx xx xx  xx …" (a wider gap after 8). */
const hexChar = (i: number) => i * 3 + (i >= 8 ? 1 : 0);
/** The byte a character of the hex text belongs to (a space goes with the byte before it). */
const byteAtHexChar = (at: number) => Math.floor((at >= 24 ? at - 1 : at) / 3);

/**
 * One line: the hex and ASCII columns are plain text (one text node each) except for the selected
 * field's bytes and the cursor, a few spans at most (`byte hl`, `char hl`, `cursor`), each with
 * the offset and length of the bytes it covers.
 */
const HexLine = memo(function HexLine({ data, offset, from, to, cursor }: LineProps) {
  const count = Math.min(PER_LINE, data.length - offset);
  let hex = '';
  let ascii = '';
  for (let i = 0; i < count; i++) {
    const b = data[offset + i] ?? 0;
    hex += (i === 0 ? '' : i === 8 ? '  ' : ' ') + hex2(b);
    ascii += printable(b);
  }
  // Runs of bytes of one kind: plain, highlighted, the cursor (highlighted or not).
  const kind = (i: number) => (i >= from && i < to ? 1 : 0) + (i === cursor ? 2 : 0);
  const runs: { first: number; end: number; kind: number }[] = [];
  for (let i = 0; i < count; i++) {
    const k = kind(i);
    const run = runs[runs.length - 1];
    if (run && run.kind === k) run.end = i + 1;
    else runs.push({ first: i, end: i + 1, kind: k });
  }
  const className = (k: number, base: string) => `${base}${k & 1 ? ' hl' : ''}${k & 2 ? ' cursor' : ''}`;
  const hexParts: ReactNode[] = [];
  const asciiParts: ReactNode[] = [];
  for (const { first, end, kind: k } of runs) {
    // A run's text includes the spaces between its bytes; the space before it stays plain.
    const lead = first === 0 ? '' : first === 8 ? '  ' : ' ';
    const hexText = hex.slice(hexChar(first), hexChar(end - 1) + 2);
    const asciiText = ascii.slice(first, end);
    if (k === 0) {
      hexParts.push(lead + hexText);
      asciiParts.push(asciiText);
      continue;
    }
    hexParts.push(
      lead,
      <span
        key={first}
        className={className(k, 'byte')}
        data-offset={offset + first}
        data-length={end - first}
      >
        {hexText}
      </span>,
    );
    asciiParts.push(
      <span
        key={first}
        className={className(k, 'char')}
        data-offset={offset + first}
        data-length={end - first}
      >
        {asciiText}
      </span>,
    );
  }
  // Adjacent plain strings would be separate text nodes: join them.
  const join = (parts: ReactNode[]) =>
    parts.reduce<ReactNode[]>((out, part) => {
      const previous = out[out.length - 1];
      if (typeof part === 'string' && typeof previous === 'string') out[out.length - 1] = previous + part;
      else if (part !== '') out.push(part);
      return out;
    }, []);
  return (
    <div className="hex-line" data-offset={offset}>
      <span className="hex-offset">{offset.toString(16).padStart(4, '0')}</span>
      <span className="hex-bytes">{join(hexParts)}</span>
      <span className="hex-ascii">{join(asciiParts)}</span>
    </div>
  );
});
