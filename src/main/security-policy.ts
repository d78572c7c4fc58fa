/**
 * The pure decisions behind src/main/security.ts: which navigations a window may make and which links may be
 * handed to the OS browser. Parsed with WHATWG `URL` and compared field by field; never substring checks.
 * No electron import, so the rules are unit-tested on their own.
 */
import { RENDERER_CSP_HEADER } from '@shared/csp';

/**
 * The Content-Security-Policy of the Electron renderer (served over `app:` with this as a header, images over
 * `media:`): the one renderer policy of src/shared/csp.ts, as a header (the `<meta>` policy plus `frame-ancestors`).
 */
export const ELECTRON_CSP: string = RENDERER_CSP_HEADER;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Hosts the electron-vite dev server may listen on (`npm run dev`; ELECTRON_RENDERER_URL). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True when `url` may be the app's own page: the `app:` scheme's one host (`app://atelier/…`, see app-protocol.ts),
 * or, in development only, the electron-vite dev server on a loopback `http:` address. Credentials never.
 */
export function isAppPageUrl(url: URL): boolean {
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'app:') return url.host === 'atelier';
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * True when `target` is on the app's own origin: the same scheme, host and port as `appUrl`, without credentials.
 * Any path and query of that origin is the app (the `app:` scheme serves only files of the built renderer, see
 * app-protocol.ts). Everything else (https, file:, another host or port, `javascript:`, `data:`, `blob:`,
 * unparsable URLs) is refused, and so is everything when `appUrl` itself is not an app page URL.
 * @param appUrl the page the window loads: `app://atelier/index.html`, or the dev server URL in `npm run dev`
 */
export function isAllowedNavigation(target: string, appUrl: string): boolean {
  const t = parse(target);
  const app = parse(appUrl);
  if (!t || !app || !isAppPageUrl(app)) return false;
  return t.protocol === app.protocol && t.host === app.host && t.username === '' && t.password === '';
}

/**
 * The normalised form of a link that may be opened in the OS browser, or null: only `https:` with a host and
 * without credentials (`https://user@host` is a classic phishing disguise). Pass the result, not the input,
 * to `shell.openExternal`.
 */
export function safeExternalUrl(url: string): string | null {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.hostname === '' || u.username !== '' || u.password !== '') return null;
  return u.href;
}

/** True when {@link safeExternalUrl} accepts `url`. */
export function isSafeExternalUrl(url: string): boolean {
  return safeExternalUrl(url) !== null;
}
