import {
  type KeyboardEvent,
  type MouseEvent,
  memo,
  type PointerEvent,
  type RefObject,
  useEffect,
  useRef,
  useState,
} from 'react';
import { useAppStore } from '../store/react.js';
import { ColumnMenu } from './ColumnMenu.js';
import {
  applyLayout,
  type Column,
  type ColumnId,
  type ColumnSetting,
  clampWidth,
  FLEX_COLUMN,
  fitWidth,
  RESIZE_STEP,
  widthOf,
  withWidth,
} from './columns.js';

interface Props {
  /** The list container: it carries the CSS variables, and holds the cells a fit measures. */
  listRef: RefObject<HTMLDivElement | null>;
  /** The header's scroller (kept level with the rows' horizontal scroll by the list). */
  headerRef: RefObject<HTMLDivElement | null>;
  layout: readonly ColumnSetting[];
  columns: readonly Column[];
}

interface Drag {
  id: ColumnId;
  startX: number;
  startWidth: number;
  width: number;
  frame: number;
}

/**
 * The packet list's header row. Each column but Info has a handle on its right edge: drag it to
 * resize (the list's CSS variable follows the pointer once a frame; the store, and so the
 * settings, get the width when the button is released), double-click it to fit the widest
 * rendered cell. The cells are one Tab stop (←/→ move between them); Alt+←/Alt+→ resize the
 * focused column by 10 px; right-click or Shift+F10 opens the menu that hides and shows columns.
 * Memoized: the list repaints every animation frame, the header only when the layout changes.
 */
export const PacketHeader = memo(function PacketHeader({ listRef, headerRef, layout, columns }: Props) {
  const store = useAppStore();
  const [focusId, setFocusId] = useState<ColumnId>(columns[0]?.id ?? FLEX_COLUMN);
  const [menu, setMenu] = useState<{ x: number; y: number } | null>(null);
  /** What a keyboard resize says to screen readers ("Source 140 px"). */
  const [announcement, setAnnouncement] = useState('');
  const cells = useRef(new Map<ColumnId, HTMLDivElement>());
  const drag = useRef<Drag | null>(null);
  useEffect(() => () => cancelAnimationFrame(drag.current?.frame ?? 0), []);

  // The focused column was hidden: the Tab stop moves to the first one shown.
  const roving = columns.some((c) => c.id === focusId) ? focusId : (columns[0]?.id ?? FLEX_COLUMN);

  const focusCell = (id: ColumnId) => {
    setFocusId(id);
    cells.current.get(id)?.focus();
  };

  const startResize = (id: ColumnId) => (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    // No text selection, no focus move: this press is the handle's.
    event.preventDefault();
    event.stopPropagation();
    event.currentTarget.setPointerCapture(event.pointerId);
    const startWidth = widthOf(store.getState().columns.packets, id);
    drag.current = { id, startX: event.clientX, startWidth, width: startWidth, frame: 0 };
  };
  const moveResize = (event: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    d.width = clampWidth(d.startWidth + event.clientX - d.startX);
    if (d.frame) return;
    d.frame = requestAnimationFrame(() => {
      d.frame = 0;
      const list = listRef.current;
      if (list && drag.current === d)
        applyLayout(list, withWidth(store.getState().columns.packets, d.id, d.width));
    });
  };
  const endResize = () => {
    const d = drag.current;
    if (!d) return;
    drag.current = null;
    cancelAnimationFrame(d.frame);
    const list = listRef.current;
    // Where the pointer let go, even when that is where it started (the store then has no change).
    if (list) applyLayout(list, withWidth(store.getState().columns.packets, d.id, d.width));
    store.getState().columns.resize(d.id, d.width);
  };
  const fitColumn = (id: ColumnId) => {
    const list = listRef.current;
    if (list) store.getState().columns.resize(id, fitWidth(list, id));
  };

  const openMenu = (x: number, y: number) => setMenu({ x, y });
  const onContextMenu = (event: MouseEvent<HTMLDivElement>) => {
    event.preventDefault();
    // A context menu event bubbling from the menu itself (a portal) is not a new request.
    if (!event.currentTarget.contains(event.target as Node)) return;
    const cell = (event.target as HTMLElement).closest<HTMLElement>('[role="columnheader"]');
    if (event.clientX === 0 && event.clientY === 0 && cell) {
      const box = cell.getBoundingClientRect();
      openMenu(box.left, box.bottom);
    } else openMenu(event.clientX, event.clientY);
  };

  const onCellKeyDown = (column: Column) => (event: KeyboardEvent<HTMLDivElement>) => {
    const at = columns.indexOf(column);
    const ctrl = event.ctrlKey || event.metaKey;
    if (
      event.altKey &&
      !ctrl &&
      !event.shiftKey &&
      (event.key === 'ArrowLeft' || event.key === 'ArrowRight')
    ) {
      // Also keeps the browser from going back a page (Alt+←).
      event.preventDefault();
      event.stopPropagation();
      if (column.id === FLEX_COLUMN) {
        setAnnouncement('Info takes the width that is left; resize the other columns');
        return;
      }
      const columnsState = store.getState().columns;
      columnsState.resizeBy(column.id, event.key === 'ArrowLeft' ? -RESIZE_STEP : RESIZE_STEP);
      setAnnouncement(`${column.title} ${widthOf(store.getState().columns.packets, column.id)} px`);
      return;
    }
    if ((event.shiftKey && event.key === 'F10' && !ctrl && !event.altKey) || event.key === 'ContextMenu') {
      event.preventDefault();
      event.stopPropagation();
      const box = event.currentTarget.getBoundingClientRect();
      openMenu(box.left, box.bottom);
      return;
    }
    if (ctrl || event.altKey || event.shiftKey) return;
    let target: Column | undefined;
    switch (event.key) {
      case 'ArrowLeft':
        target = columns[at - 1];
        break;
      case 'ArrowRight':
        target = columns[at + 1];
        break;
      case 'Home':
        target = columns[0];
        break;
      case 'End':
        target = columns.at(-1);
        break;
      case 'ArrowDown':
      case 'Escape':
        event.preventDefault();
        event.stopPropagation();
        listRef.current?.focus();
        return;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
    if (target) focusCell(target.id);
  };

  return (
    // biome-ignore lint/a11y/useSemanticElements: part of the packet list's ARIA grid
    <div className="packet-header" ref={headerRef} role="rowgroup" onContextMenu={onContextMenu}>
      {/* biome-ignore lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: a row of the grid; its cells take the focus */}
      <div className="packet-header-row" role="row" aria-rowindex={1}>
        {columns.map((c, i) => (
          // biome-ignore lint/a11y/useSemanticElements: a header cell of the virtualized ARIA grid
          <div
            key={c.id}
            ref={(el) => {
              if (el) cells.current.set(c.id, el);
              else cells.current.delete(c.id);
            }}
            role="columnheader"
            aria-colindex={i + 1}
            data-col={c.id}
            tabIndex={c.id === roving ? 0 : -1}
            aria-keyshortcuts={c.id === FLEX_COLUMN ? 'Shift+F10' : 'Alt+ArrowLeft Alt+ArrowRight Shift+F10'}
            title={
              c.id === FLEX_COLUMN
                ? 'Info takes the width that is left. Right-click or Shift+F10: show or hide columns'
                : 'Drag the right edge to resize, double-click it to fit; Alt+←/Alt+→ resize; right-click or Shift+F10: show or hide columns'
            }
            className={`cell${c.align === 'right' ? ' right' : ''}`}
            onFocus={() => setFocusId(c.id)}
            onKeyDown={onCellKeyDown(c)}
          >
            <span className="cell-label">{c.title}</span>
            {c.id !== FLEX_COLUMN && (
              <div
                className="column-resizer"
                aria-hidden="true"
                data-resize={c.id}
                onPointerDown={startResize(c.id)}
                onPointerMove={moveResize}
                onPointerUp={endResize}
                onPointerCancel={endResize}
                onLostPointerCapture={endResize}
                onDoubleClick={(event) => {
                  event.stopPropagation();
                  fitColumn(c.id);
                }}
              />
            )}
          </div>
        ))}
      </div>
      <span className="sr-only" aria-live="polite">
        {announcement}
      </span>
      {menu && (
        <ColumnMenu
          x={menu.x}
          y={menu.y}
          layout={layout}
          onToggle={(id, visible) => store.getState().columns.setVisible(id, visible)}
          onReset={() => store.getState().columns.reset()}
          onClose={(refocus) => {
            setMenu(null);
            if (refocus) cells.current.get(roving)?.focus();
          }}
        />
      )}
    </div>
  );
});
