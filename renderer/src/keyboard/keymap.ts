import type { AppStore } from '../store/types.js';
import { type FocusTarget, focusTarget, REGIONS } from './focus.js';

/**
 * Every global shortcut, in one table: the handler below runs them and the shortcuts dialog (?)
 * lists them, so the two cannot disagree. Ctrl means Cmd on macOS. List, tree and hex keys are
 * handled by those components and listed in LOCAL_KEYS.
 */
export interface Shortcut {
  keys: string;
  /** For aria-keyshortcuts and matching: Control/Shift/Alt + key, e.g. "Control+Shift+F". */
  aria: string;
  description: string;
  /** Runs even while typing in a field (Ctrl combinations); plain keys do not. */
  inFields: boolean;
  run(store: AppStore): void;
}

function cycleRegion(step: 1 | -1): void {
  const active = document.activeElement?.closest<HTMLElement>('[data-focus]')?.dataset.focus as
    | FocusTarget
    | undefined;
  const present = REGIONS.filter((r) => document.querySelector(`[data-focus="${r}"]`));
  const at = active ? present.indexOf(active) : -1;
  const next = present[(at + step + present.length) % present.length];
  if (next) focusTarget(next);
}

export const SHORTCUTS: Shortcut[] = [
  {
    keys: 'Ctrl+K',
    aria: 'Control+K',
    description: 'Switch Kubernetes context',
    inFields: true,
    run: (s) => s.getState().ui.openDialog('contexts'),
  },
  {
    keys: 'Ctrl+E',
    aria: 'Control+E',
    description: 'Start or stop tapping',
    inFields: true,
    run: (s) => void s.getState().tap.toggle(),
  },
  {
    keys: 'Ctrl+F',
    aria: 'Control+F',
    description: 'Display filter',
    inFields: true,
    run: () => focusTarget('display-filter'),
  },
  {
    keys: 'Ctrl+Shift+F',
    aria: 'Control+Shift+F',
    description: 'Capture filter',
    inFields: true,
    run: () => focusTarget('capture-filter'),
  },
  {
    keys: 'Ctrl+S',
    aria: 'Control+S',
    description: 'Save packets as pcapng…',
    inFields: true,
    run: (s) => s.getState().ui.openDialog('save'),
  },
  {
    keys: 'Ctrl+O',
    aria: 'Control+O',
    description: 'Open a pcap or pcapng file…',
    inFields: true,
    run: (s) => void s.getState().capture.open(),
  },
  {
    keys: 'Ctrl+G',
    aria: 'Control+G',
    description: 'Go to packet by number',
    inFields: true,
    run: (s) => s.getState().ui.openDialog('goto'),
  },
  {
    keys: 'Ctrl+L',
    aria: 'Control+L',
    description: 'Select pods: search the selection tree',
    inFields: true,
    run: () => focusTarget('selection-search'),
  },
  {
    keys: 'Ctrl+1',
    aria: 'Control+1',
    description: 'Packets view',
    inFields: true,
    run: (s) => s.getState().ui.setView('packets'),
  },
  {
    keys: 'Ctrl+2',
    aria: 'Control+2',
    description: 'Flows view',
    inFields: true,
    run: (s) => s.getState().ui.setView('flows'),
  },
  {
    keys: 'F6',
    aria: 'F6',
    description: 'Next region (selection, capture filter, display filter, list, tree, bytes)',
    inFields: true,
    run: () => cycleRegion(1),
  },
  {
    keys: 'Shift+F6',
    aria: 'Shift+F6',
    description: 'Previous region',
    inFields: true,
    run: () => cycleRegion(-1),
  },
  {
    keys: '?',
    aria: 'Shift+?',
    description: 'Show these shortcuts',
    inFields: false,
    run: (s) => s.getState().ui.openDialog('shortcuts'),
  },
];

/** Keys the focused pane handles itself, for the shortcuts dialog. */
export const LOCAL_KEYS: { where: string; keys: string; description: string }[] = [
  {
    where: 'Packet list',
    keys: '↑ ↓ PageUp PageDown Home End',
    description: 'Move the selection (End follows new packets again)',
  },
  { where: 'Packet list', keys: 'Enter', description: 'Go to the protocol tree of the selected packet' },
  {
    where: 'Packet list',
    keys: 'Ctrl+M / Ctrl+click',
    description: 'Mark or unmark a packet (Save → marked packets)',
  },
  {
    where: 'Packet list',
    keys: 'Shift+↑ ↓ / Shift+click',
    description: 'Mark a range of packets (also Shift+PageUp PageDown Home End); Tab → column headers',
  },
  {
    where: 'Column headers',
    keys: 'Alt+← / Alt+→',
    description: 'Narrow / widen the focused column by 10 px (or drag its edge; double-click fits)',
  },
  { where: 'Column headers', keys: 'Shift+F10 / right-click', description: 'Show or hide columns' },
  {
    where: 'Protocol tree',
    keys: '↑ ↓ → ←',
    description: 'Move, open, close; the field’s bytes light up in the hex dump',
  },
  { where: 'Protocol tree', keys: 'Escape', description: 'Back to the packet list' },
  {
    where: 'Hex dump',
    keys: '← → ↑ ↓ Home End',
    description: 'Move the byte cursor; selects the deepest field there',
  },
  {
    where: 'Selection tree',
    keys: '↑ ↓ → ← Space',
    description: 'Move, open, close; Space selects for tapping',
  },
  {
    where: 'Filters',
    keys: 'Enter / Escape',
    description: 'Apply / clear the display filter; Enter applies the capture filter to a running tap',
  },
  { where: 'Dialogs', keys: 'Escape', description: 'Close' },
];

function signature(event: KeyboardEvent): string {
  const parts: string[] = [];
  if (event.ctrlKey || event.metaKey) parts.push('Control');
  if (event.altKey) parts.push('Alt');
  const key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
  // '?' is Shift+/ on most layouts: the character is what the user pressed.
  if (event.shiftKey && key !== '?') parts.push('Shift');
  if (key === '?') parts.push('Shift');
  parts.push(key);
  return parts.join('+');
}

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));

/** Installs the global shortcuts on the window; returns the function that removes them. */
export function installShortcuts(store: AppStore): () => void {
  const byAria = new Map(SHORTCUTS.map((s) => [s.aria, s]));
  const onKeyDown = (event: KeyboardEvent) => {
    const shortcut = byAria.get(signature(event));
    if (!shortcut) return;
    if (!shortcut.inFields && typing(event.target)) return;
    // A modal dialog owns the keyboard, except for closing it (handled by the dialog itself).
    if (store.getState().ui.dialog !== null) return;
    event.preventDefault();
    shortcut.run(store);
  };
  window.addEventListener('keydown', onKeyDown);
  return () => window.removeEventListener('keydown', onKeyDown);
}
