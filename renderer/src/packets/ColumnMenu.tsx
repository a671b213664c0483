import { type KeyboardEvent, useEffect, useLayoutEffect, useRef } from 'react';
import { createPortal } from 'react-dom';
import type { ColumnId, ColumnSetting } from './columns.js';
import { FLEX_COLUMN, PACKET_COLUMNS } from './columns.js';

interface Props {
  /** Where it opens (viewport px): the pointer, or below the focused header cell. */
  x: number;
  y: number;
  layout: readonly ColumnSetting[];
  onToggle(id: ColumnId, visible: boolean): void;
  onReset(): void;
  /** `refocus`: the keyboard closed it, the focus goes back to the header. */
  onClose(refocus: boolean): void;
}

/**
 * The packet list header's context menu (right-click, Shift+F10): a checkbox per column, Info
 * always shown, and back to the default layout. ↑/↓ move, Space/Enter toggle (the menu stays
 * open), Escape or Tab close it; a click elsewhere closes it too.
 */
export function ColumnMenu({ x, y, layout, onToggle, onReset, onClose }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  // Keep it inside the window, then put the focus on its first item.
  useLayoutEffect(() => {
    const menu = ref.current;
    if (!menu) return;
    const { width, height } = menu.getBoundingClientRect();
    menu.style.left = `${Math.max(0, Math.min(x, window.innerWidth - width - 4))}px`;
    menu.style.top = `${Math.max(0, Math.min(y, window.innerHeight - height - 4))}px`;
    menu.querySelector<HTMLElement>('[role^="menuitem"]')?.focus();
  }, [x, y]);

  useEffect(() => {
    const outside = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) onCloseRef.current(false);
    };
    const away = () => onCloseRef.current(false);
    document.addEventListener('pointerdown', outside, true);
    window.addEventListener('blur', away);
    window.addEventListener('resize', away);
    return () => {
      document.removeEventListener('pointerdown', outside, true);
      window.removeEventListener('blur', away);
      window.removeEventListener('resize', away);
    };
  }, []);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(ref.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    let next: number | null = null;
    switch (event.key) {
      case 'ArrowDown':
        next = (at + 1) % items.length;
        break;
      case 'ArrowUp':
        next = (at - 1 + items.length) % items.length;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = items.length - 1;
        break;
      case 'Escape':
      case 'Tab':
        event.preventDefault();
        event.stopPropagation();
        onClose(true);
        return;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
    items[next]?.focus();
  };

  const shown = new Map(layout.map((c) => [c.id, c.visible]));
  return createPortal(
    <div
      ref={ref}
      className="column-menu"
      role="menu"
      aria-label="Packet list columns"
      tabIndex={-1}
      style={{ left: x, top: y }}
      onKeyDown={onKeyDown}
      onContextMenu={(event) => event.preventDefault()}
    >
      {PACKET_COLUMNS.map((c) => {
        const flexible = c.id === FLEX_COLUMN;
        const visible = flexible || shown.get(c.id) !== false;
        return (
          <button
            key={c.id}
            type="button"
            role="menuitemcheckbox"
            aria-checked={visible}
            aria-disabled={flexible || undefined}
            tabIndex={-1}
            className="column-menu-item"
            title={flexible ? 'Info is always shown, last, and takes the width that is left' : undefined}
            onClick={() => {
              if (!flexible) onToggle(c.id, !visible);
            }}
          >
            <span className="check" aria-hidden="true">
              {visible ? '✓' : ''}
            </span>
            {c.title}
            {flexible && <span className="column-menu-note"> (always shown)</span>}
          </button>
        );
      })}
      <hr />
      <button
        type="button"
        role="menuitem"
        tabIndex={-1}
        className="column-menu-item"
        onClick={() => {
          onReset();
          onClose(true);
        }}
      >
        <span className="check" aria-hidden="true" />
        Reset columns (widths, all shown)
      </button>
    </div>,
    document.body,
  );
}
