/**
 * The pure decisions behind src/main/security.ts: which navigations a window may make and which links may be
 * handed to the OS browser. Parsed with WHATWG `URL` and compared field by field; never substring checks.
 * No electron import, so the rules are unit-tested on their own.
 */

/** The Content-Security-Policy of the Electron renderer (file: page, images over `media:`). */
export const ELECTRON_CSP = [
  "default-src 'self'",
  "img-src 'self' media: blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Windows drive letters may differ in case between Chromium's and Node's file URLs: compare them uppercased. */
function normalizeFilePath(pathname: string): string {
  return /^\/[a-zA-Z]:/.test(pathname) ? '/' + pathname[1]!.toUpperCase() + pathname.slice(2) : pathname;
}

/**
 * True when `target` is the app's own page: a `file:` URL with the same host (none) and path as `appUrl`, and
 * the same query. Only the fragment may differ. Everything else (http(s), other files, `file://host/share`
 * UNC paths, `javascript:`, `data:`, unparsable URLs) is refused.
 * @param appUrl the file URL of out/renderer/index.html (`pathToFileURL(...).href`)
 */
export function isAllowedNavigation(target: string, appUrl: string): boolean {
  const t = parse(target);
  const app = parse(appUrl);
  if (!t || !app || app.protocol !== 'file:') return false;
  return (
    t.protocol === 'file:' &&
    t.host === app.host &&
    t.username === '' &&
    t.password === '' &&
    normalizeFilePath(t.pathname) === normalizeFilePath(app.pathname) &&
    t.search === app.search
  );
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
