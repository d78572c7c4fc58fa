/**
 * The `app:` scheme the desktop window loads the renderer from (`app://atelier/index.html`), instead of `file:`:
 * a standard, secure origin of its own, so `'self'` in the CSP means the built renderer and nothing else on disk.
 * This module is the pure part: which request maps to which file of the built renderer (out/renderer), with which
 * headers. No electron import; window.ts wires it to `protocol.handle`. Electron's guide to custom schemes:
 * https://www.electronjs.org/docs/latest/api/protocol#protocolhandlescheme-handler
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ELECTRON_CSP, isAppPageUrl } from './security-policy';

/** The scheme (`app:`), its only host, and the origin and page URL built from them. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'atelier';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * The URL the window loads: {@link APP_INDEX_URL}, except in an unpackaged run started by `electron-vite dev`, which
 * passes its dev server as ELECTRON_RENDERER_URL (https://electron-vite.org/guide/dev) for hot reload; that is
 * accepted only as a loopback `http:` URL, anything else falls back to the built renderer.
 * @param packaged `app.isPackaged`
 * @param rendererUrl `process.env.ELECTRON_RENDERER_URL`
 * @returns the URL and, when a given dev URL was refused, why (for the log)
 */
export function appPageUrl(packaged: boolean, rendererUrl: string | undefined): { url: string; ignored?: string } {
  if (packaged || !rendererUrl) return { url: APP_INDEX_URL };
  try {
    const url = new URL(rendererUrl);
    if (url.protocol === 'http:' && isAppPageUrl(url)) return { url: url.href };
  } catch {
    // not a URL
  }
  return { url: APP_INDEX_URL, ignored: `ELECTRON_RENDERER_URL=${rendererUrl} is not a loopback http: URL` };
}

/** MIME types of the files a Vite build of the renderer emits; anything else is served as opaque bytes. */
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** The MIME type for a file name (by its extension, case-insensitive); `application/octet-stream` when unknown. */
export function mimeOf(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Headers of every file the scheme serves: the renderer's CSP (the same policy as the `<meta>` in
 * src/renderer/index.html, plus `object-src`, `base-uri`, `form-action` and `frame-ancestors` 'none', which a
 * `<meta>` cannot carry or the page does not need), no MIME sniffing, and no caching of a build that may change.
 */
export function appHeaders(mime: string): Record<string, string> {
  return {
    'content-type': mime,
    'content-security-policy': ELECTRON_CSP,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  };
}

/** A file of the built renderer to send: its absolute real path, MIME type and response headers. */
export interface AppFile {
  status: 200;
  file: string;
  mime: string;
  headers: Record<string, string>;
}

/** A refusal: 400 (not an `app://atelier/` URL, or an unreadable escape), 404 (no such file inside the root). */
export interface AppRefusal {
  status: 400 | 404;
}

/**
 * Maps an `app://atelier/<path>` request to a file inside `rootDir` (the built renderer, out/renderer).
 * `/` is `index.html`; query and fragment are ignored. Refused:
 * - another scheme or host, a port, credentials, or an unparsable URL (400);
 * - a path segment that decodes to `.`, `..`, or holds `/`, `\`, `:` or NUL (400) — the URL parser has already
 *   folded plain and `%2e%2e` dot segments, so these are encoded escapes;
 * - anything that is not a regular file (directories are never listed), and anything whose real path (after
 *   symlinks) is not inside the real `rootDir` (404).
 * Reads only file metadata (stat, realpath); never throws.
 * @param rootDir the folder whose files may be served
 * @param url the request URL as Chromium hands it to the protocol handler
 */
export function resolveAppRequest(rootDir: string, url: string): AppFile | AppRefusal {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { status: 400 };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.hostname !== APP_HOST || u.port !== '' || u.username !== '' || u.password !== '') {
    return { status: 400 };
  }
  const segments: string[] = [];
  for (const raw of u.pathname.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { status: 400 };
    }
    if (seg === '.' || seg === '..' || /[/\\:\0]/.test(seg)) return { status: 400 };
    segments.push(seg);
  }
  if (segments.length === 0) segments.push('index.html');

  let root: string;
  let real: string;
  try {
    root = realpathSync(rootDir);
    real = realpathSync(path.join(root, ...segments));
    if (!statSync(real).isFile()) return { status: 404 };
  } catch {
    return { status: 404 };
  }
  const rel = path.relative(root, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return { status: 404 };
  const mime = mimeOf(real);
  return { status: 200, file: real, mime, headers: appHeaders(mime) };
}
