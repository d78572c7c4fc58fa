/**
 * The `media:` protocol: `media://blob/<sha256>/<original|thumb>` → the stored image. Only ids the library
 * knows resolve (through `dispatcher.mediaFile`), so the renderer can never name an arbitrary path; the URL is
 * parsed with URL + zod (media-url.ts); only PNG, JPEG and WebP are served; responses are `no-store` + `nosniff`.
 * The file is opened through the library's `openInside` (a symbolic link planted in objects/ or thumbs/ is refused).
 */
import { protocol } from 'electron';
import { constants as fsConstants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
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
    let handle: FileHandle | undefined;
    try {
      // Opened by the library (openInside: inside the library folder, no symbolic link followed), never by URL.
      handle = await (file.open ? file.open() : open(file.path, fsConstants.O_RDONLY | (process.platform === 'win32' ? 0 : fsConstants.O_NOFOLLOW)));
      const st = await handle.stat();
      if (!st.isFile()) throw new Error('not a file');
      const headers = { 'content-type': file.mime, 'content-length': String(st.size), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
      if (request.method === 'HEAD') {
        await handle.close();
        return new Response(null, { status: 200, headers });
      }
      const body = Readable.toWeb(handle.createReadStream()) as unknown as ReadableStream<Uint8Array>;
      return new Response(body, { status: 200, headers });
    } catch {
      await handle?.close();
      return plain(404, 'Not Found');
    }
  });
  return () => protocol.unhandle(MEDIA_SCHEME);
}
