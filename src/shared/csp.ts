/**
 * The renderer's Content-Security-Policy, in one place: the `<meta>` in src/renderer/index.html (injected at build
 * time by electron.vite.config.ts), the web host's header on every response (src/main/web/server.ts), and the
 * Electron shell's header for its own page. Directive reference: https://www.w3.org/TR/CSP3/
 *
 * - `img-src` lists `media:` (the Electron image scheme) besides `'self'`, `blob:` and `data:`.
 * - `object-src 'none'`, `base-uri 'none'` and `form-action 'none'`: no plugins, no `<base>` re-pointing relative
 *   URLs, no form posting anywhere.
 * - `frame-ancestors` is ignored (with a console warning) when delivered in a `<meta>`, so only the header has it.
 */

/** The directives both deliveries share, in order. */
const SHARED_DIRECTIVES: readonly string[] = [
  "default-src 'self'",
  "img-src 'self' media: blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
];

/** The policy as a `<meta http-equiv="Content-Security-Policy">` value (no `frame-ancestors`). */
export const RENDERER_CSP_META: string = SHARED_DIRECTIVES.join('; ');

/** The policy as a `Content-Security-Policy` response header: the meta policy plus `frame-ancestors 'none'`. */
export const RENDERER_CSP_HEADER: string = [...SHARED_DIRECTIVES, "frame-ancestors 'none'"].join('; ');

/** The placeholder in src/renderer/index.html that the build replaces with {@link RENDERER_CSP_META}. */
export const CSP_PLACEHOLDER = '__ATELIER_CSP__';
