/**
 * The pure part of serving stored images: which URLs name an image, and which MIME types may be served.
 * Shared by the Electron `media:` protocol (src/main/media-protocol.ts) and the web host's `/media` route.
 * No electron import, so it is unit-tested on its own.
 */
import { z } from 'zod';
import type { MediaVariant } from '@shared/contract';

/** A blob id: the lowercase hex SHA-256 of the bytes. */
export const BLOB_ID_RE = /^[0-9a-f]{64}$/;

/** The parameters of a media request: a blob id and a variant, nothing else. */
export const MediaParams = z
  .object({
    blobId: z.string().regex(BLOB_ID_RE),
    variant: z.enum(['original', 'thumb']),
  })
  .strict();
export type MediaParams = { blobId: string; variant: MediaVariant };

/** The only image types served: what the providers return and what thumbnails are written as. */
export const MEDIA_MIME_ALLOWLIST: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/webp']);

/**
 * Parses `media://blob/<64 lowercase hex>/<original|thumb>` (the form `electronMediaUrl` builds).
 * Anything else is null: another scheme or host, credentials, a port, a query or fragment, extra or missing
 * path segments, encoded slashes, uppercase hex.
 */
export function parseMediaUrl(url: string): MediaParams | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'media:' || u.host !== 'blob' || u.username || u.password || u.search || u.hash) return null;
  // The URL parser has already resolved dot segments; percent-encoded characters stay encoded and fail the regex.
  const segments = u.pathname.split('/');
  if (segments.length !== 3 || segments[0] !== '') return null;
  const parsed = MediaParams.safeParse({ blobId: segments[1], variant: segments[2] });
  return parsed.success ? parsed.data : null;
}
