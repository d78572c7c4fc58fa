/**
 * The `media:` protocol: `media://blob/<sha256>/<original|thumb>` → the stored image. Only ids the library
 * knows resolve (through `dispatcher.mediaFile`), so the renderer can never name an arbitrary path; the URL is
 * parsed with URL + zod (media-url.ts); only PNG, JPEG and WebP are served; responses are `no-store` + `nosniff`.
 */
import { net, protocol } from 'electron';
import { pathToFileURL } from 'node:url';
import type { Dispatcher } from './dispatcher';
import { MEDIA_MIME_ALLOWLIST, parseMediaUrl } from './media-url';

export const MEDIA_SCHEME = 'media';

/**
 * Declares `media:` as a standard, secure, fetch-able scheme (never `bypassCSP`: the page's CSP lists it).
 * Must run before `app` is ready.
 */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
  });
}

/**
 * Serves `media:` requests on the default session. Call after `app` is ready.
 * @returns a function that removes the handler
 */
export function handleMediaProtocol(dispatcher: Dispatcher): () => void {
  protocol.handle(MEDIA_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method Not Allowed');
    const params = parseMediaUrl(request.url);
    if (!params) return plain(400, 'Bad Request');
    const file = await dispatcher.mediaFile(params.blobId, params.variant);
    if (!file || !MEDIA_MIME_ALLOWLIST.has(file.mime)) return plain(404, 'Not Found');
    try {
      const res = await net.fetch(pathToFileURL(file.path).href);
      if (!res.ok) return plain(404, 'Not Found');
      return new Response(request.method === 'HEAD' ? null : res.body, {
        status: 200,
        headers: { 'content-type': file.mime, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
      });
    } catch {
      return plain(404, 'Not Found');
    }
  });
  return () => protocol.unhandle(MEDIA_SCHEME);
}
