import { useId, useMemo } from 'react';
import { useApp } from '../store/react.js';
import { isEmptySelection } from '../store/selection-slice.js';
import { plural } from '../ui/format.js';
import { SelectionTree } from './SelectionTree.js';
import { selectionSummary } from './tree-model.js';

/** What to tap: search, a label selector, the tree, and what the selection covers right now. */
export function SelectionPanel() {
  const search = useApp((s) => s.selection.search);
  const labelText = useApp((s) => s.selection.labelText);
  const labelError = useApp((s) => s.selection.labelError);
  const selection = useApp((s) => s.selection.current);
  const { setSearch, setLabelSelector, clear } = useApp((s) => s.selection);
  const pods = useApp((s) => s.inventory.pods);
  const status = useApp((s) => s.inventory.status);
  const inventoryError = useApp((s) => s.inventory.error);
  const summary = useMemo(() => selectionSummary(selection, pods), [selection, pods]);
  const labelId = useId();
  const summaryId = useId();
  const problems = [status?.namespaces.error, status?.pods.error, status?.nodes.error].filter(
    (e): e is NonNullable<typeof e> => !!e,
  );

  return (
    <section className="panel selection-panel" aria-labelledby="selection-heading">
      <header className="panel-header">
        <h2 id="selection-heading">Selection</h2>
        <button type="button" className="link-button" onClick={clear} disabled={isEmptySelection(selection)}>
          Clear
        </button>
      </header>
      <input
        type="search"
        className="field"
        data-focus="selection-search"
        aria-label="Search namespaces, workloads, pods, nodes, IPs and labels"
        placeholder="Search pods, nodes, IPs, labels…"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        onKeyDown={(e) => {
          // ↓ from the search box goes into the tree, like a combobox.
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            document.querySelector<HTMLElement>('.selection-tree')?.focus();
          }
        }}
      />
      <input
        type="text"
        className={`field mono${labelError ? ' invalid' : ''}`}
        aria-label="Label selector"
        aria-invalid={labelError ? true : undefined}
        aria-describedby={labelError ? labelId : undefined}
        placeholder="Label selector, e.g. app=web,tier!=db"
        value={labelText}
        onChange={(e) => setLabelSelector(e.target.value)}
        spellCheck={false}
      />
      {labelError && (
        <p id={labelId} className="inline-error">
          {labelError}
        </p>
      )}
      {inventoryError && <p className="inline-error">{inventoryError}</p>}
      {problems.map((p) => (
        <p key={p.message} className="inline-error">
          {p.message}
        </p>
      ))}
      {status && !status.pods.synced && !status.pods.error && <p className="empty-note">Listing pods…</p>}
      <SelectionTree />
      <p id={summaryId} className="selection-summary" aria-live="polite" data-testid="selection-summary">
        {isEmptySelection(selection)
          ? 'Nothing selected: pick namespaces, workloads or pods (Space), or type a label selector.'
          : `Taps ${plural(summary.pods, 'pod')} on ${plural(summary.nodes, 'node')}${
              summary.hostNetwork > 0
                ? ` (${plural(summary.hostNetwork, 'host-network pod')} cannot be tapped)`
                : ''
            }.`}
      </p>
    </section>
  );
}
