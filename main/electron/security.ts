import { HELP_LINKS } from './menu.js';

/**
 * What the window may do beyond showing our page: open a few documentation sites in the user's
 * browser. No new windows, no navigation, no webviews, no permissions (see main.ts).
 */

/** The page's CSP (renderer/index.html has the same as a meta tag). */
export const WINDOW_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ALLOWED_EXTERNAL = [
  /^https:\/\/(www\.)?wireshark\.org\//,
  /^https:\/\/(www\.)?tcpdump\.org\//,
  /^https:\/\/kubernetes\.io\//,
  /^https:\/\/github\.com\//,
];

/** Whether a link the page asks to open (target=_blank, window.open) goes to the user's browser. */
export function isAllowedExternal(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password) return false;
  return ALLOWED_EXTERNAL.some((allowed) => allowed.test(parsed.href));
}

/** Every help link of the menu is allowed (tested). */
export const helpLinksAllowed = (): boolean => HELP_LINKS.every((link) => isAllowedExternal(link.url));

/** The sender of an IPC message is our page's main frame: `file://…/index.html` we loaded. */
export function isOurPage(frameUrl: string | undefined, pageUrl: string): boolean {
  if (!frameUrl) return false;
  const strip = (u: string) => u.replace(/[?#].*$/, '');
  return strip(frameUrl) === strip(pageUrl);
}
