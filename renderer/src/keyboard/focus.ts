/**
 * Named places the keyboard can jump to (Ctrl+F → the display filter). Components mark their
 * control with `data-focus="<name>"`; shortcuts focus it by name without holding refs across the tree.
 */
export type FocusTarget =
  | 'display-filter'
  | 'capture-filter'
  | 'packet-list'
  | 'protocol-tree'
  | 'hex-dump'
  | 'selection-search'
  | 'tap-button';

export function focusTarget(name: FocusTarget): boolean {
  const element = document.querySelector<HTMLElement>(`[data-focus="${name}"]`);
  if (!element) return false;
  element.focus();
  if (element instanceof HTMLInputElement) element.select();
  return true;
}

/** The regions F6 cycles through, in reading order (like a browser's F6 between panes). */
export const REGIONS: FocusTarget[] = [
  'selection-search',
  'capture-filter',
  'display-filter',
  'packet-list',
  'protocol-tree',
  'hex-dump',
];
