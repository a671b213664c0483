import type { WindowState } from '../app/settings-store.js';

/**
 * Where the window opens: where it was last time, if that is still on a screen (a monitor may be
 * gone), else centred at the default size. Pure, so it is tested without Electron.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_SIZE = { width: 1400, height: 900 };

/** Enough of the window's title bar must be on some display to grab it. */
function visibleOn(bounds: Rect, area: Rect): boolean {
  const overlapX = Math.min(bounds.x + bounds.width, area.x + area.width) - Math.max(bounds.x, area.x);
  const titleBarY = bounds.y >= area.y && bounds.y < area.y + area.height - 20;
  return overlapX >= 100 && titleBarY;
}

export function initialBounds(
  saved: WindowState | null,
  workAreas: Rect[],
): Partial<Rect> & { width: number; height: number } {
  const primary = workAreas[0];
  const clampToScreen = (size: { width: number; height: number }) =>
    primary
      ? { width: Math.min(size.width, primary.width), height: Math.min(size.height, primary.height) }
      : size;
  if (!saved) return clampToScreen(DEFAULT_SIZE);
  const size = clampToScreen({ width: saved.width, height: saved.height });
  if (saved.x === undefined || saved.y === undefined) return size;
  const bounds = { x: saved.x, y: saved.y, ...size };
  return workAreas.some((area) => visibleOn(bounds, area)) ? bounds : size;
}

/** What to remember: the normal (unmaximized) bounds, and whether it was maximized or full screen. */
export function windowState(normal: Rect, flags: { maximized: boolean; fullScreen: boolean }): WindowState {
  return {
    x: Math.round(normal.x),
    y: Math.round(normal.y),
    width: Math.max(200, Math.round(normal.width)),
    height: Math.max(200, Math.round(normal.height)),
    maximized: flags.maximized,
    fullScreen: flags.fullScreen,
  };
}
