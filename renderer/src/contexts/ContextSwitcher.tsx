import { type KeyboardEvent, useEffect, useId, useMemo, useState } from 'react';
import type { ContextSummary } from '../api/dto.js';
import { useApp } from '../store/react.js';
import { Modal } from '../ui/Modal.js';
import { probeLabel } from './probe-label.js';

/** Contexts whose name (then cluster, namespace, server) holds the query; the exact name, then name prefixes first. */
export function filterContexts(contexts: ContextSummary[], query: string): ContextSummary[] {
  const q = query.trim().toLowerCase();
  if (!q) return contexts;
  const scored = contexts
    .map((c) => {
      const name = c.name.toLowerCase();
      const fields = [c.cluster, c.namespace, c.server, c.user];
      let score = -1;
      if (name === q) score = 0;
      else if (name.startsWith(q)) score = 1;
      else if (name.includes(q)) score = 2;
      else if (fields.some((f) => f.toLowerCase().includes(q))) score = 3;
      return { c, score };
    })
    .filter((x) => x.score >= 0);
  return scored.sort((a, b) => a.score - b.score).map((x) => x.c);
}

/**
 * kubectl's contexts in two keystrokes: Ctrl+K opens this, typing filters, ↑/↓ choose, Enter
 * switches. Every context is probed when the list opens, so reachability is there before you pick.
 */
export function ContextSwitcher() {
  const state = useApp((s) => s.contexts.state);
  const probes = useApp((s) => s.contexts.probes);
  const probeAll = useApp((s) => s.contexts.probeAll);
  const use = useApp((s) => s.contexts.use);
  const close = useApp((s) => s.ui.closeDialog);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const listId = useId();

  useEffect(() => probeAll(), [probeAll]);

  const shown = useMemo(() => filterContexts(state?.contexts ?? [], query), [state, query]);
  const activeIndex = Math.min(active, Math.max(0, shown.length - 1));
  const optionId = (i: number) => `${listId}-option-${i}`;

  const pick = async (context: ContextSummary | undefined) => {
    if (!context) return;
    close();
    await use(context.name);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const move = (to: number) => {
      event.preventDefault();
      setActive(Math.max(0, Math.min(shown.length - 1, to)));
    };
    if (event.key === 'ArrowDown') move(activeIndex + 1);
    else if (event.key === 'ArrowUp') move(activeIndex - 1);
    else if (event.key === 'PageDown') move(activeIndex + 8);
    else if (event.key === 'PageUp') move(activeIndex - 8);
    else if (event.key === 'Enter') {
      event.preventDefault();
      void pick(shown[activeIndex]);
    }
  };

  useEffect(() => {
    document.getElementById(optionId(activeIndex))?.scrollIntoView({ block: 'nearest' });
  });

  return (
    <Modal
      title="Switch Kubernetes context"
      onClose={close}
      className="context-switcher"
      description="Type to filter, ↑ and ↓ to choose, Enter to switch, Escape to cancel. The kubeconfig file is not changed."
    >
      <input
        className="switcher-input"
        type="text"
        role="combobox"
        aria-label="Filter contexts"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={shown.length > 0 ? optionId(activeIndex) : undefined}
        aria-autocomplete="list"
        placeholder="Filter contexts…"
        value={query}
        data-autofocus
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      {state?.problem && <p className="inline-error">{state.problem.message}</p>}
      <div id={listId} role="listbox" aria-label="Contexts" className="switcher-list">
        {shown.map((context, i) => {
          const label = probeLabel(probes[context.name]);
          return (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox above handles the keys (aria-activedescendant)
            <div
              key={context.name}
              id={optionId(i)}
              role="option"
              tabIndex={-1}
              aria-selected={i === activeIndex}
              aria-current={context.current ? 'true' : undefined}
              className={`switcher-option${i === activeIndex ? ' active' : ''}`}
              onMouseMove={() => setActive(i)}
              onClick={() => void pick(context)}
            >
              <span className="switcher-current" aria-hidden="true">
                {context.current ? '●' : ''}
              </span>
              <span className="switcher-name">{context.name}</span>
              <span className="switcher-meta">
                {context.cluster} · ns {context.namespace} · {context.server || 'no server'}
              </span>
              <span className={`badge badge-${label.tone}`} title={label.title}>
                {label.text}
              </span>
            </div>
          );
        })}
        {shown.length === 0 && <p className="switcher-empty">No context matches “{query}”.</p>}
      </div>
      <footer className="switcher-sources">
        {state?.sources.map((s) => (
          <span key={s.path} className={s.exists ? '' : 'missing'}>
            {s.path} ({s.from}
            {s.exists ? '' : ', missing — watched'})
          </span>
        ))}
      </footer>
    </Modal>
  );
}
