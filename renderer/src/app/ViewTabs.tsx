import type { KeyboardEvent } from 'react';
import { useApp } from '../store/react.js';
import type { MainView } from '../store/ui-slice.js';

const TABS: { view: MainView; label: string; keys: string }[] = [
  { view: 'packets', label: 'Packets', keys: 'Control+1' },
  { view: 'flows', label: 'Flows', keys: 'Control+2' },
];

/** Packets | Flows, as ARIA tabs (← → switch). */
export function ViewTabs() {
  const view = useApp((s) => s.ui.view);
  const setView = useApp((s) => s.ui.setView);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    event.preventDefault();
    const next = TABS[(TABS.findIndex((t) => t.view === view) + 1) % TABS.length];
    if (next) {
      setView(next.view);
      document.getElementById(`tab-${next.view}`)?.focus();
    }
  };
  return (
    <div className="view-tabs" role="tablist" aria-label="View">
      {TABS.map((t) => (
        <button
          key={t.view}
          id={`tab-${t.view}`}
          type="button"
          role="tab"
          aria-selected={view === t.view}
          aria-controls={`view-${t.view}`}
          aria-keyshortcuts={t.keys}
          tabIndex={view === t.view ? 0 : -1}
          className={`tab${view === t.view ? ' active' : ''}`}
          onClick={() => setView(t.view)}
          onKeyDown={onKeyDown}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
