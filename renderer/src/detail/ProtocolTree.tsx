import { type KeyboardEvent, useMemo } from 'react';
import { useApp } from '../store/react.js';
import { pathKey, visibleFields } from './tree-ops.js';

/**
 * The packet's protocol tree (packets.detail), Wireshark-style: ↑/↓ move between fields, → opens
 * or steps in, ← closes or steps out, Escape returns to the packet list. The selected field's
 * bytes are highlighted in the hex dump.
 */
export function ProtocolTree() {
  const packet = useApp((s) => s.detail.packet);
  const field = useApp((s) => s.detail.field);
  const expanded = useApp((s) => s.detail.expanded);
  const { selectField, setExpanded } = useApp((s) => s.detail);
  const fields = useMemo(() => (packet ? visibleFields(packet.tree, expanded) : []), [packet, expanded]);
  const selectedKey = field ? pathKey(field) : null;
  const index = fields.findIndex((f) => pathKey(f.path) === selectedKey);
  const current = fields[index];

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const go = (i: number) => {
      const target = fields[Math.max(0, Math.min(fields.length - 1, i))];
      if (!target) return;
      selectField(target.path);
      document.getElementById(`field-${pathKey(target.path)}`)?.scrollIntoView({ block: 'nearest' });
    };
    const handled = (() => {
      switch (event.key) {
        case 'ArrowDown':
          go(index + 1);
          return true;
        case 'ArrowUp':
          go(index < 0 ? 0 : index - 1);
          return true;
        case 'Home':
          go(0);
          return true;
        case 'End':
          go(fields.length - 1);
          return true;
        case 'ArrowRight':
          if (current?.expandable && !current.expanded) setExpanded(current.path, true);
          else if (current?.expanded) go(index + 1);
          return true;
        case 'ArrowLeft':
          if (current?.expanded) setExpanded(current.path, false);
          else if (current && current.path.length > 1) selectField(current.path.slice(0, -1));
          return true;
        case 'Enter':
        case ' ':
          if (current?.expandable) setExpanded(current.path, !current.expanded);
          return true;
        case 'Escape':
          document.querySelector<HTMLElement>('[data-focus="packet-list"]')?.focus();
          return true;
        default:
          return false;
      }
    })();
    if (handled) event.preventDefault();
  };

  return (
    <div
      className="protocol-tree"
      role="tree"
      aria-label={packet ? `Protocol tree of packet ${packet.row.number}` : 'Protocol tree'}
      tabIndex={0}
      data-focus="protocol-tree"
      aria-activedescendant={selectedKey !== null && index >= 0 ? `field-${selectedKey}` : undefined}
      onKeyDown={onKeyDown}
    >
      {fields.map((f) => {
        const key = pathKey(f.path);
        return (
          // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/useFocusableInteractive: the tree holds the focus and handles keys for its selected field (aria-activedescendant)
          <div
            key={key}
            id={`field-${key}`}
            role="treeitem"
            aria-level={f.depth + 1}
            aria-expanded={f.expandable ? f.expanded : undefined}
            aria-selected={key === selectedKey}
            className={`tree-field${key === selectedKey ? ' selected' : ''}`}
            style={{ paddingLeft: 4 + f.depth * 14 }}
            title={
              f.node.abbrev
                ? `${f.node.abbrev} — bytes ${f.node.offset}–${f.node.offset + f.node.length - 1}`
                : undefined
            }
            onClick={() => selectField(f.path)}
            onDoubleClick={() => f.expandable && setExpanded(f.path, !f.expanded)}
          >
            <span
              className="twisty"
              aria-hidden="true"
              onClick={(e) => {
                e.stopPropagation();
                if (f.expandable) setExpanded(f.path, !f.expanded);
              }}
            >
              {f.expandable ? (f.expanded ? '▾' : '▸') : ''}
            </span>
            {f.node.label}
          </div>
        );
      })}
    </div>
  );
}
