/**
 * The shape the Electron preload exposes on `window.atelier`, and the HTTP protocol of the local web host.
 * The renderer talks to either through one `Transport` (src/renderer/src/transport).
 *
 * Web host protocol (all on 127.0.0.1, Host and Origin must be the host's own; no cookies):
 * - `GET /?launch=CODE` is the page; the page posts the one-use code to `POST /api/session` (`{ launch }`) and gets
 *   `{ token, mediaKey }` (401 for a used or unknown code). `GET /api/session` → 204 while the token is good.
 * - `POST /api/call/:name` with the JSON input and `Authorization: Bearer <token>` → 200 with a {@link CallResult}
 *   envelope (app errors included); 401 without the session, 403 for a foreign Host/Origin, 404 for an unknown call.
 * - `GET /api/events` with the bearer → Server-Sent Events; each `data:` line is one JSON {@link AnyEvent}.
 * - `GET /media/:blobId/:variant?exp=…&sig=…` (variant `original` | `thumb`; signed as src/shared/media-sign.ts
 *   says) → image bytes, immutable cache.
 * Electron serves the same images at `media://blob/<blobId>/<variant>`.
 */
import type { AnyEvent, CallName, CallResult } from './contract';

export interface AtelierBridge {
  readonly transport: 'electron';
  /** Invokes a contract call in the main process; never rejects for app errors (they come in the envelope). */
  call(name: CallName, input: unknown): Promise<CallResult<unknown>>;
  /** Subscribes to main-process events; returns the unsubscribe function. */
  onEvent(listener: (event: AnyEvent) => void): () => void;
  /**
   * A path grant token for a dropped or picked `File`: the preload reads its path (Electron
   * `webUtils.getPathForFile`) and the main process grants it (src/main/path-grants.ts); '' for a `File` with no
   * path on disk (one the page made). The page never sees the path; calls that take a path take this token.
   */
  grantFile(file: File): Promise<string>;
  /**
   * Starts dragging a library image out of the window (to the desktop or another app). The main process resolves
   * the blob id to its file in the library; the page never names a path. Call it from `dragstart`.
   */
  startDrag(blobId: string): void;
  /**
   * Shows a system notification (Electron `Notification`, src/main/app-menu.ts): the page decides when (a job or task
   * that finished while the window was in the background) and gives the text in the user's language.
   */
  notify(title: string, body: string): void;
  /** Puts the number of running jobs on the dock or taskbar icon (`app.setBadgeCount`); 0 clears it. */
  setBadgeCount(count: number): void;
  /**
   * Shows a library image's file in the OS file manager (Finder, Explorer, the desktop's file manager), selected
   * (Electron `shell.showItemInFolder`). The main process resolves the blob id to its file; the page never names
   * a path. Unknown ids do nothing.
   */
  revealFile(blobId: string): void;
}

/** Path of a stored image in the web host, before its signature (src/shared/media-sign.ts adds it). */
export const webMediaUrl = (blobId: string, variant: 'original' | 'thumb'): string => `/media/${blobId}/${variant}`;
/** URL of a stored image for `<img src>` in Electron (the `media:` protocol). */
export const electronMediaUrl = (blobId: string, variant: 'original' | 'thumb'): string =>
  `media://blob/${blobId}/${variant}`;
