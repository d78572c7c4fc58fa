/**
 * Signed media URLs of the local web host. `<img src>` cannot carry an `Authorization` header, so each image URL
 * carries its own short-lived capability instead of the session: an HMAC-SHA256, under the host's media key, of
 * that one blob, variant and expiry. A leaked image URL opens that one image until it expires, nothing else.
 *
 * `/media/<blobId>/<variant>?exp=<unix seconds>&sig=<base64url HMAC of "<blobId>/<variant>/<exp>">`
 *
 * The expiry is rounded up to whole windows so that a URL stays the same for one window (the browser's image
 * cache keeps working) and is valid for one to two windows.
 */
import type { MediaVariant } from './contract';
import { hmacSha256, toBase64Url } from './hmac';

/** Length of one signing window in seconds (1 hour). */
export const MEDIA_SIG_WINDOW_S = 3600;
/** Latest expiry the host accepts, in seconds from now (two windows plus a minute of clock slack). */
export const MEDIA_SIG_MAX_AHEAD_S = 2 * MEDIA_SIG_WINDOW_S + 60;

/** The expiry (unix seconds) a URL signed at `nowMs` carries: the end of the next window. */
export function mediaExpiry(nowMs: number): number {
  return (Math.floor(nowMs / 1000 / MEDIA_SIG_WINDOW_S) + 2) * MEDIA_SIG_WINDOW_S;
}

/** The signed message for one image and expiry. */
export function mediaSigMessage(blobId: string, variant: MediaVariant, exp: number): string {
  return `${blobId}/${variant}/${exp}`;
}

const encoder = new TextEncoder();

/**
 * The signed web URL of a stored image.
 * @param key the host's media key (32 bytes, from the session exchange)
 * @param nowMs the current time in ms since the epoch
 */
export function signedWebMediaUrl(key: Uint8Array, blobId: string, variant: MediaVariant, nowMs: number): string {
  const exp = mediaExpiry(nowMs);
  const sig = toBase64Url(hmacSha256(key, encoder.encode(mediaSigMessage(blobId, variant, exp))));
  return `/media/${blobId}/${variant}?exp=${exp}&sig=${sig}`;
}
