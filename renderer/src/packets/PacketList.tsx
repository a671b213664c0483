import {
  type KeyboardEvent,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
} from 'react';
import { useApp, useAppStore, useRows } from '../store/react.js';
import { applyLayout, visibleColumns } from './columns.js';
import { PacketHeader } from './PacketHeader.js';
import { PacketRowView } from './PacketRowView.js';
import {
  clampRealTop,
  geometry,
  pageRows,
  ROW_HEIGHT,
  realTopFromScroll,
  revealRow,
  scrollFromRealTop,
} from './scroll-math.js';

/**
 * Rows fetched beyond the viewport's edges, so small scrolls never show a gap: more in the
 * direction the list last moved (where the next rows come from), fewer behind it.
 */
const OVERSCAN_AHEAD = 45;
const OVERSCAN_BEHIND = 15;
/**
 * Rows are placed relative to an anchor that moves only every ANCHOR_ROWS rows, so a scroll moves
 * the layer (one transform) and adds or drops a row at an edge; the rows in between keep their
 * element and position (keyed by display index, i.e. by packet until the next reset).
 */
const ANCHOR_ROWS = 512;
/**
 * Moves closer together than this are a key repeat (or a burst): the detail waits until they stop
 * for this long. A single press or click loads it at once.
 */
const DETAIL_DELAY_MS = 90;
/**
 * While a key is held down its repeats wait for the key-up (which loads at once); this is only
 * the fallback when a key-up never comes (the focus left), longer than any gap between repeats.
 */
const HELD_DELAY_MS = 300;

/** How the selection moved: a click (or Go to), a key press, or a key held down (auto-repeat). */
type Move = 'click' | 'key' | 'repeat';

/** Rows a viewport of this height shows (partly), the list's window. */
const windowRows = (height: number) => Math.ceil(height / ROW_HEIGHT) + 1;

/**
 * The live packet list, virtualized by hand: a spacer as tall as the rows (scaled above the
 * browser's limit), one absolutely positioned layer holding only the rows in view, rows read from
 * the page cache (deps.rows) at paint time. React renders it at most once per animation frame,
 * whatever the packet rate; the store's packets.changed (≤ 10/s) only moves the tail, and while
 * following, only to a tail whose rows have arrived (the row cache asks for them as the store
 * grows; until then the list keeps showing the previous tail, never a frame of placeholders). Column
 * widths are CSS variables on the container (one style update per change, none per cell); hidden
 * columns are not rendered. Shift+click and Shift+↑/↓ mark a range (state.packets.extendRange).
 */
export function PacketList() {
  const store = useAppStore();
  const rows = useRows();
  const displayed = useApp((s) => s.packets.stats?.displayed ?? 0);
  const following = useApp((s) => s.packets.following);
  const selected = useApp((s) => s.packets.selected);
  const marked = useApp((s) => s.packets.marked);
  const unavailable = useApp((s) => s.packets.unavailable);
  const source = useApp((s) => s.packets.stats?.source ?? 'empty');
  const layout = useApp((s) => s.columns.packets);
  const columns = useMemo(() => visibleColumns(layout), [layout]);

  const gridRef = useRef<HTMLDivElement>(null);
  const viewportRef = useRef<HTMLDivElement>(null);
  const headerRef = useRef<HTMLDivElement>(null);
  /** The truth about the scroll position, in real pixels (see scroll-math.ts). */
  const realTop = useRef(0);
  /** The scrollTop we set ourselves; a scroll event at it is ours, not the user's. */
  const ownScrollTop = useRef<number | null>(null);
  const viewportHeight = useRef(0);
  /** A row selected by index before its page arrived (End on a huge list); `extend`: a Shift move. */
  const pendingSelect = useRef<{ index: number; extend: boolean; move: Move } | null>(null);
  /** While following: the displayed count the list shows the tail of (the newest loaded tail). */
  const tail = useRef(0);
  const wasFollowing = useRef(false);
  /** Rows the geometry was last rendered for (the tail while following, else everything displayed). */
  const shownCount = useRef(0);
  const detailTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  /** A detail waiting for the keys to stop (a burst or a held key), by packet number. */
  const pendingDetail = useRef<{ number: number; held: boolean } | null>(null);
  const lastMove = useRef(Number.NEGATIVE_INFINITY);
  const [, repaint] = useReducer((n: number) => n + 1, 0);
  const frame = useRef(0);
  /** The first row rendered last time, and which way the list last moved (1 down, -1 up). */
  const lastFirst = useRef(0);
  const direction = useRef(1);

  const schedule = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      repaint();
    });
  }, []);
  useEffect(
    () => () => {
      cancelAnimationFrame(frame.current);
      clearTimeout(detailTimer.current);
    },
    [],
  );

  // The column layout, written once per change onto the container (header and rows read it).
  useLayoutEffect(() => {
    if (gridRef.current) applyLayout(gridRef.current, layout);
  }, [layout]);

  // Following: move to the newest tail only once its rows are here (or when what is shown now has
  // no rows to keep: the first packets, a reset, the tail shrank). Not following: everything.
  if (following) {
    const n = Math.min(displayed, windowRows(viewportHeight.current));
    const loaded = (end: number) => end > 0 && rows.has(Math.max(0, end - n), end);
    if (!wasFollowing.current)
      tail.current = Math.min(displayed, Math.floor(realTop.current / ROW_HEIGHT) + n);
    if (tail.current > displayed || !loaded(tail.current) || loaded(displayed)) tail.current = displayed;
  }
  wasFollowing.current = following;
  const count = following ? tail.current : displayed;
  shownCount.current = count;
  const geo = geometry(count, viewportHeight.current);
  if (following) realTop.current = geo.maxRealTop;

  /** Moves the view to `top` (real px) and the scrollbar with it. */
  const scrollToReal = useCallback(
    (top: number) => {
      const el = viewportRef.current;
      const g = geometry(store.getState().packets.stats?.displayed ?? 0, el?.clientHeight ?? 0);
      realTop.current = clampRealTop(g, top);
      if (el) {
        el.scrollTop = scrollFromRealTop(g, realTop.current);
        ownScrollTop.current = el.scrollTop;
      }
      schedule();
    },
    [store, schedule],
  );

  // Pages arriving, the viewport resizing: repaint.
  useEffect(() => rows.onChange(schedule), [rows, schedule]);
  useLayoutEffect(() => {
    const el = viewportRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      viewportHeight.current = el.clientHeight;
      schedule();
    });
    observer.observe(el);
    viewportHeight.current = el.clientHeight;
    return () => observer.disconnect();
  }, [schedule]);

  // The scrollbar follows what was rendered (the tail moved, the spacer grew or was rescaled).
  useLayoutEffect(() => {
    const el = viewportRef.current;
    if (!el) return;
    const g = geometry(shownCount.current, el.clientHeight);
    realTop.current = clampRealTop(g, realTop.current);
    const top = scrollFromRealTop(g, realTop.current);
    if (Math.abs(el.scrollTop - top) >= 1) {
      el.scrollTop = top;
      ownScrollTop.current = el.scrollTop;
    }
  });
  // While following, the row cache fetches each new tail as packets.changed arrives, first.
  useEffect(() => {
    rows.follow(following ? windowRows(viewportHeight.current) : null);
  });

  const onScroll = () => {
    const el = viewportRef.current;
    if (!el) return;
    if (headerRef.current) headerRef.current.scrollLeft = el.scrollLeft;
    if (ownScrollTop.current !== null && Math.abs(el.scrollTop - ownScrollTop.current) < 1) return;
    ownScrollTop.current = null;
    const g = geometry(shownCount.current, el.clientHeight);
    realTop.current = realTopFromScroll(g, el.scrollTop);
    // The user scrolled: follow the tail only while they stay at it.
    store.getState().packets.setFollowing(realTop.current >= g.maxRealTop - ROW_HEIGHT / 2);
    schedule();
  };

  // Above the browser's height limit a wheel notch would jump hundreds of rows: scroll real pixels instead.
  useEffect(() => {
    const el = viewportRef.current;
    if (!el) return;
    const onWheel = (event: WheelEvent) => {
      const g = geometry(shownCount.current, el.clientHeight);
      if (g.spacer === g.content || event.deltaY === 0) return;
      event.preventDefault();
      const lines = event.deltaMode === 1 ? event.deltaY * ROW_HEIGHT : event.deltaY;
      scrollToReal(realTop.current + lines);
      store.getState().packets.setFollowing(realTop.current >= g.maxRealTop - ROW_HEIGHT / 2);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [store, scrollToReal]);

  /**
   * The detail of the selected packet: at once for a click or a single key press, after
   * DETAIL_DELAY_MS of quiet while keys repeat or come in a burst (each press would load and
   * render a tree and a hex dump nobody reads).
   */
  const flushDetail = useCallback(() => {
    clearTimeout(detailTimer.current);
    const pending = pendingDetail.current;
    pendingDetail.current = null;
    if (pending && store.getState().packets.selected?.number === pending.number)
      void store.getState().detail.load(pending.number);
  }, [store]);
  const loadDetail = useCallback(
    (number: number, move: Move) => {
      clearTimeout(detailTimer.current);
      pendingDetail.current = null;
      const now = performance.now();
      const burst = move === 'repeat' || (move === 'key' && now - lastMove.current < DETAIL_DELAY_MS);
      lastMove.current = move === 'click' ? Number.NEGATIVE_INFINITY : now;
      if (!burst) {
        void store.getState().detail.load(number);
        return;
      }
      pendingDetail.current = { number, held: move === 'repeat' };
      detailTimer.current = setTimeout(flushDetail, move === 'repeat' ? HELD_DELAY_MS : DETAIL_DELAY_MS);
    },
    [store, flushDetail],
  );

  const selectIndex = useCallback(
    (index: number, follow = false, extend = false, move: Move = 'click') => {
      const total = store.getState().packets.stats?.displayed ?? 0;
      if (total === 0) return;
      const i = Math.max(0, Math.min(total - 1, index));
      const el = viewportRef.current;
      const g = geometry(total, el?.clientHeight ?? 0);
      scrollToReal(revealRow(g, realTop.current, i));
      store.getState().packets.setFollowing(follow);
      const row = rows.row(i);
      if (!row) {
        pendingSelect.current = { index: i, extend, move };
        return;
      }
      pendingSelect.current = null;
      store.getState().packets.select(i, row.number, extend);
      loadDetail(row.number, move);
    },
    [store, rows, scrollToReal, loadDetail],
  );

  // Go to packet (Ctrl+G) asks through the store.
  const jump = useApp((s) => s.packets.jump);
  useEffect(() => {
    if (!jump) return;
    selectIndex(jump.index);
    gridRef.current?.focus();
  }, [jump, selectIndex]);

  // Complete a selection whose row was not loaded yet.
  useEffect(
    () =>
      rows.onChange(() => {
        const pending = pendingSelect.current;
        if (pending && rows.row(pending.index))
          selectIndex(pending.index, store.getState().packets.following, pending.extend, pending.move);
      }),
    [rows, selectIndex, store],
  );

  /** Shift: the range from where it began to display index `target` is marked, and selected goes there. */
  const extendTo = (target: number, move: Move = 'click') => {
    const total = store.getState().packets.stats?.displayed ?? 0;
    if (total === 0) return;
    const i = Math.max(0, Math.min(total - 1, target));
    void store.getState().packets.extendRange(i);
    selectIndex(i, false, true, move);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    // Keys in the header (its own handler) and the column menu (a portal) are not row moves.
    if (event.target !== event.currentTarget) return;
    // A move still waiting for its row counts: fast key repeats go on from where they asked to be.
    const current =
      pendingSelect.current?.index ?? selected?.index ?? Math.floor(realTop.current / ROW_HEIGHT) - 1;
    const page = pageRows(geo);
    const modified = event.ctrlKey || event.metaKey || event.altKey;
    const keyMove: Move = event.repeat ? 'repeat' : 'key';
    if (event.key.toLowerCase() === 'm' && (event.ctrlKey || event.metaKey) && !event.altKey) {
      event.preventDefault();
      if (selected) store.getState().packets.toggleMark(selected.number);
      return;
    }
    if (modified) return;
    let target: number | null = null;
    switch (event.key) {
      case 'ArrowDown':
        target = current + 1;
        break;
      case 'ArrowUp':
        target = current - 1;
        break;
      case 'PageDown':
        target = current + page;
        break;
      case 'PageUp':
        target = current - page;
        break;
      case 'Home':
        target = 0;
        break;
      case 'End':
        event.preventDefault();
        if (event.shiftKey) extendTo(displayed - 1, keyMove);
        else selectIndex(displayed - 1, true, false, keyMove);
        return;
      case 'Enter':
        if (event.shiftKey) return;
        event.preventDefault();
        document.querySelector<HTMLElement>('[data-focus="protocol-tree"]')?.focus();
        return;
      default:
        return;
    }
    event.preventDefault();
    if (event.shiftKey) extendTo(target, keyMove);
    else selectIndex(target, false, false, keyMove);
  };

  // The window of rows to render now.
  const first = Math.floor(realTop.current / ROW_HEIGHT);
  const offset = realTop.current - first * ROW_HEIGHT;
  const visible = Math.ceil(geo.viewport / ROW_HEIGHT) + 1;
  const last = Math.min(count, first + visible);
  const scrollTop = scrollFromRealTop(geo, realTop.current);

  if (first !== lastFirst.current) direction.current = first > lastFirst.current ? 1 : -1;
  lastFirst.current = first;
  const anchor = first - (first % ANCHOR_ROWS);
  useEffect(() => {
    const before = direction.current < 0 ? OVERSCAN_AHEAD : OVERSCAN_BEHIND;
    const after = direction.current < 0 ? OVERSCAN_BEHIND : OVERSCAN_AHEAD;
    rows.want(Math.max(0, first - before), last + after);
  });

  const slots = [];
  for (let i = first; i < last; i++) {
    const row = rows.row(i);
    slots.push(
      <PacketRowView
        key={i}
        index={i}
        top={(i - anchor) * ROW_HEIGHT}
        row={row}
        columns={columns}
        selected={row !== undefined && row.number === selected?.number}
        marked={row !== undefined && marked.has(row.number)}
        onPick={(event) => {
          if (row && (event.ctrlKey || event.metaKey)) store.getState().packets.toggleMark(row.number);
          else if (event.shiftKey && event.button === 0) {
            // No text selection from the anchor; the list keeps (or takes) the focus.
            event.preventDefault();
            gridRef.current?.focus();
            extendTo(i);
          } else selectIndex(i, i === displayed - 1 && following);
        }}
      />,
    );
  }

  const activeId =
    selected && selected.index >= first && selected.index < last ? `packet-row-${selected.index}` : undefined;

  return (
    // biome-ignore lint/a11y/useSemanticElements: a virtualized ARIA grid; a <table> cannot position a window of rows
    <div
      ref={gridRef}
      className="packet-list"
      role="grid"
      aria-label="Packets"
      aria-rowcount={displayed + 1}
      aria-colcount={columns.length}
      aria-activedescendant={activeId}
      aria-keyshortcuts="ArrowUp ArrowDown PageUp PageDown Home End Enter Control+M Shift+ArrowUp Shift+ArrowDown"
      tabIndex={0}
      data-focus="packet-list"
      onKeyDown={onKeyDown}
      onKeyUp={() => {
        // A held key was let go: the detail of where it stopped, now.
        if (pendingDetail.current?.held) flushDetail();
      }}
    >
      <PacketHeader listRef={gridRef} headerRef={headerRef} layout={layout} columns={columns} />
      {/* biome-ignore lint/a11y/useSemanticElements: part of the ARIA grid above */}
      <div ref={viewportRef} className="packet-viewport" role="rowgroup" onScroll={onScroll}>
        <div className="packet-spacer" style={{ height: geo.spacer }}>
          <div
            className="packet-layer"
            style={{ transform: `translateY(${scrollTop - offset - (first - anchor) * ROW_HEIGHT}px)` }}
          >
            {slots}
          </div>
        </div>
        {displayed === 0 && (
          <p className="packet-empty">
            {unavailable ??
              (source === 'empty'
                ? 'No packets yet. Select pods and press Tap (Ctrl+E), or open a capture file (Ctrl+O).'
                : 'No packet matches the display filter.')}
          </p>
        )}
        {rows.error && displayed > 0 && <p className="packet-error">{rows.error}</p>}
      </div>
    </div>
  );
}
