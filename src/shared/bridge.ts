/**
 * The shape the Electron preload exposes on `window.atelier`, and the HTTP protocol of the local web host.
 * The renderer talks to either through one `Transport` (src/renderer/src/transport).
 *
 * Web host protocol (all on 127.0.0.1, Host and Origin must be the host's own):
 * - `GET /?token=T` sets the session cookie (HttpOnly, SameSite=Strict) and redirects to `/`.
 * - `POST /api/call/:name` with the JSON input → 200 with a {@link CallResult} envelope (app errors included);
 *   401 without the session cookie, 403 for a foreign Host/Origin, 404 for an unknown call name.
 * - `GET /api/events` → Server-Sent Events; each `data:` line is one JSON {@link AnyEvent}.
 * - `GET /media/:blobId/:variant` (variant `original` | `thumb`) → image bytes, immutable cache.
 * Electron serves the same images at `media://blob/<blobId>/<variant>`.
 */
import type { AnyEvent, CallName, CallResult } from './contract';

export interface AtelierBridge {
  readonly transport: 'electron';
  /** Invokes a contract call in the main process; never rejects for app errors (they come in the envelope). */
  call(name: CallName, input: unknown): Promise<CallResult<unknown>>;
  /** Subscribes to main-process events; returns the unsubscribe function. */
  onEvent(listener: (event: AnyEvent) => void): () => void;
  /** The file-system path of a dropped or picked `File` (Electron `webUtils.getPathForFile`), '' if none. */
  pathForFile(file: File): string;
  /**
   * Starts dragging a library image out of the window (to the desktop or another app). The main process resolves
   * the blob id to its file in the library; the page never names a path. Call it from `dragstart`.
   */
  startDrag(blobId: string): void;
}

/** URL of a stored image for `<img src>` in the web host. */
export const webMediaUrl = (blobId: string, variant: 'original' | 'thumb'): string => `/media/${blobId}/${variant}`;
/** URL of a stored image for `<img src>` in Electron (the `media:` protocol). */
export const electronMediaUrl = (blobId: string, variant: 'original' | 'thumb'): string =>
  `media://blob/${blobId}/${variant}`;
