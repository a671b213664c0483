import { type KeyboardEvent, useMemo, useState } from 'react';
import { useApp } from '../store/react.js';
import { count } from '../ui/format.js';
import { buildTree, coverage, workloadSelector } from './tree-model.js';
import { type TreeRow, treeRows } from './tree-rows.js';

const CHECK_MARK = { checked: '☑', mixed: '◩', unchecked: '☐' } as const;

/**
 * Namespaces → workloads → pods, with search, counts, node and IP. One tab stop: ↑/↓ move,
 * →/← open and close, Space selects the row for tapping (a namespace, a workload's pods, a pod).
 */
export function SelectionTree() {
  const namespaces = useApp((s) => s.inventory.namespaces);
  const pods = useApp((s) => s.inventory.pods);
  const search = useApp((s) => s.selection.search);
  const selection = useApp((s) => s.selection.current);
  const { toggleNamespace, togglePods, setLabelSelector } = useApp((s) => s.selection);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [activeKey, setActiveKey] = useState<string | null>(null);

  const tree = useMemo(() => buildTree(namespaces, pods, search), [namespaces, pods, search]);
  const cover = useMemo(() => coverage(selection), [selection]);
  const rows = useMemo(
    () => treeRows(tree, expanded, cover, search.trim() !== ''),
    [tree, expanded, cover, search],
  );
  const activeIndex = Math.max(
    0,
    rows.findIndex((r) => r.key === activeKey),
  );
  const active = rows[activeIndex];

  const setOpen = (key: string, open: boolean) => {
    const next = new Set(expanded);
    if (open) next.add(key);
    else next.delete(key);
    setExpanded(next);
  };

  const toggle = (row: TreeRow) => {
    if (row.type === 'namespace') toggleNamespace(row.node.name);
    else if (row.type === 'workload')
      togglePods(row.node.pods.filter((p) => !p.hostNetwork).map((p) => p.key));
    else if (!row.viaGroup && !row.pod.hostNetwork) togglePods([row.pod.key]);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!active) return;
    const go = (index: number) => {
      event.preventDefault();
      const row = rows[Math.max(0, Math.min(rows.length - 1, index))];
      if (row) {
        setActiveKey(row.key);
        document.getElementById(`sel-${row.key}`)?.scrollIntoView({ block: 'nearest' });
      }
    };
    const expandable = active.type !== 'pod';
    const open = expandable && active.expanded;
    switch (event.key) {
      case 'ArrowDown':
        return go(activeIndex + 1);
      case 'ArrowUp':
        return go(activeIndex - 1);
      case 'Home':
        return go(0);
      case 'End':
        return go(rows.length - 1);
      case 'PageDown':
        return go(activeIndex + 10);
      case 'PageUp':
        return go(activeIndex - 10);
      case 'ArrowRight':
        event.preventDefault();
        if (expandable && !open) setOpen(active.key, true);
        else if (open) go(activeIndex + 1);
        return;
      case 'ArrowLeft': {
        event.preventDefault();
        if (open) return setOpen(active.key, false);
        // To the parent row.
        for (let i = activeIndex - 1; i >= 0; i--) if ((rows[i]?.level ?? 0) < active.level) return go(i);
        return;
      }
      case ' ':
      case 'Enter':
        event.preventDefault();
        toggle(active);
        return;
    }
  };

  if (rows.length === 0)
    return <p className="empty-note">{search ? `Nothing matches “${search}”.` : 'No namespaces yet.'}</p>;

  return (
    <div
      className="selection-tree"
      role="tree"
      aria-label="Namespaces, workloads and pods to tap"
      aria-multiselectable="true"
      tabIndex={0}
      aria-activedescendant={active ? `sel-${active.key}` : undefined}
      onKeyDown={onKeyDown}
    >
      {rows.map((row) => (
        // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/useFocusableInteractive: the tree holds the focus and handles keys for its active row (aria-activedescendant)
        <div
          key={row.key}
          id={`sel-${row.key}`}
          role="treeitem"
          aria-level={row.level}
          aria-expanded={row.type === 'pod' ? undefined : row.expanded}
          aria-checked={row.check === 'mixed' ? 'mixed' : row.check === 'checked'}
          aria-selected={row.key === active?.key}
          aria-label={rowLabel(row)}
          className={`tree-row level-${row.level}${row.key === active?.key ? ' active' : ''}${row.type === 'pod' && row.pod.hostNetwork ? ' disabled' : ''}`}
          onClick={() => setActiveKey(row.key)}
        >
          {row.type !== 'pod' ? (
            <button
              type="button"
              tabIndex={-1}
              className="twisty"
              aria-hidden="true"
              onClick={() => setOpen(row.key, !row.expanded)}
            >
              {row.expanded ? '▾' : '▸'}
            </button>
          ) : (
            <span className="twisty" />
          )}
          <button
            type="button"
            tabIndex={-1}
            aria-hidden="true"
            className={`check check-${row.check}`}
            title={
              row.type === 'pod' && row.viaGroup
                ? 'Selected with its namespace or the label selector'
                : 'Select to tap'
            }
            onClick={(e) => {
              e.stopPropagation();
              setActiveKey(row.key);
              toggle(row);
            }}
          >
            {CHECK_MARK[row.check]}
          </button>
          <RowText row={row} onUseLabels={(text) => setLabelSelector(text)} />
        </div>
      ))}
    </div>
  );
}

function rowLabel(row: TreeRow): string {
  if (row.type === 'namespace') return `Namespace ${row.node.name}, ${row.node.total} pods`;
  if (row.type === 'workload')
    return `${row.node.kind || 'Pods without owner'} ${row.node.name}, ${row.node.pods.length} pods`;
  const p = row.pod;
  return `Pod ${p.name} on ${p.node || 'no node'}, ${p.ips.join(' ') || 'no IP'}${p.hostNetwork ? ', host network: cannot be tapped' : ''}`;
}

function RowText({ row, onUseLabels }: { row: TreeRow; onUseLabels: (selector: string) => void }) {
  if (row.type === 'namespace') {
    const n = row.node;
    return (
      <>
        <span className="tree-name">{n.name}</span>
        {n.phase === 'Terminating' && <span className="badge badge-warn">terminating</span>}
        <span className="tree-count">
          {n.shown === n.total ? count(n.total) : `${count(n.shown)} of ${count(n.total)}`}
        </span>
      </>
    );
  }
  if (row.type === 'workload') {
    const w = row.node;
    const selector = workloadSelector(w);
    return (
      <>
        <span className="tree-kind">{w.kind || 'Pod'}</span>
        <span className="tree-name">{w.name || '(no owner)'}</span>
        <span className="tree-count">{count(w.pods.length)}</span>
        {selector && (
          <button
            type="button"
            tabIndex={-1}
            className="link-button"
            title={`Use the label selector ${selector} (follows new pods of this workload)`}
            onClick={(e) => {
              e.stopPropagation();
              onUseLabels(selector);
            }}
          >
            by labels
          </button>
        )}
      </>
    );
  }
  const p = row.pod;
  return (
    <>
      <span
        className="tree-name"
        title={Object.entries(p.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}
      >
        {p.name}
      </span>
      <span className="tree-node">{p.node || '—'}</span>
      <span className="tree-ip">{p.hostNetwork ? 'host network' : p.ips[0] || '—'}</span>
      {p.phase !== 'Running' && <span className="badge badge-warn">{p.phase}</span>}
    </>
  );
}
