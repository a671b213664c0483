/**
 * The packet list's geometry. Browsers cap an element's height (Chrome near 33 M px), so above
 * MAX_SCROLL_PX the scrollbar is a scaled-down map of the real content: `realTop` (in rows × row
 * height) is the truth, `scrollTop` its projection. Pure functions, so the mapping is testable.
 */
export const ROW_HEIGHT = 20;
export const MAX_SCROLL_PX = 8_000_000;

export interface Geometry {
  rows: number;
  viewport: number;
  /** Height of the scrollable spacer. */
  spacer: number;
  /** Real content height. */
  content: number;
  maxScrollTop: number;
  maxRealTop: number;
}

export function geometry(rows: number, viewport: number): Geometry {
  const content = rows * ROW_HEIGHT;
  const spacer = Math.min(content, MAX_SCROLL_PX);
  return {
    rows,
    viewport,
    spacer,
    content,
    maxScrollTop: Math.max(0, spacer - viewport),
    maxRealTop: Math.max(0, content - viewport),
  };
}

export function realTopFromScroll(g: Geometry, scrollTop: number): number {
  if (g.spacer === g.content) return Math.min(scrollTop, g.maxRealTop);
  return g.maxScrollTop > 0 ? (scrollTop / g.maxScrollTop) * g.maxRealTop : 0;
}

export function scrollFromRealTop(g: Geometry, realTop: number): number {
  if (g.spacer === g.content) return realTop;
  return g.maxRealTop > 0 ? (realTop / g.maxRealTop) * g.maxScrollTop : 0;
}

/** The realTop that shows row `index` with the least movement from `realTop`. */
export function revealRow(g: Geometry, realTop: number, index: number): number {
  const top = index * ROW_HEIGHT;
  if (top < realTop) return top;
  if (top + ROW_HEIGHT > realTop + g.viewport) return Math.min(g.maxRealTop, top + ROW_HEIGHT - g.viewport);
  return realTop;
}

export function clampRealTop(g: Geometry, realTop: number): number {
  return Math.max(0, Math.min(g.maxRealTop, realTop));
}

/** Whole rows the viewport shows (for PageUp/PageDown). */
export function pageRows(g: Geometry): number {
  return Math.max(1, Math.floor(g.viewport / ROW_HEIGHT) - 1);
}
