/**
 * What the Electron IPC handlers do once the sender is known to be the app's own page, without electron (so it can
 * be tested in plain Node; src/main/ipc.ts wires it to `ipcMain`).
 *
 * - {@link dispatchIpcCall}: a contract call from the window, run as transport `electron`, where every path input
 *   must be a path grant token (src/main/path-grants.ts): a raw path is refused with `forbidden`.
 * - {@link grantDroppedPath}: the preload's request to grant the path of a file the user dropped or picked
 *   (`webUtils.getPathForFile`, which only knows files from the OS, never one the page made).
 */
import type { CallResult } from '@shared/contract';
import type { Dispatcher } from './dispatcher';
import type { PathGrants } from './path-grants';
import { LIMITS, utf8Bytes } from '@shared/limits';

/** The invoke channel of every contract call. */
export const CALL_CHANNEL = 'atelier:call';
/** The push channel of events. */
export const EVENT_CHANNEL = 'atelier:event';
/** The preload's channel to grant the path of a dropped or picked file; answers its token ('' for no path). */
export const GRANT_CHANNEL = 'atelier:grant-path';

/**
 * Runs call `name` from the desktop window through the dispatcher (transport `electron`).
 * @throws Error (a rejection, not an envelope) when `name` is not a string
 */
export function dispatchIpcCall(dispatcher: Dispatcher, name: unknown, input: unknown): Promise<CallResult<unknown>> {
  if (typeof name !== 'string') throw new Error('atelier:call refused: the call name must be a string');
  return dispatcher.call(name, input, { transport: 'electron' });
}

/**
 * Grants the path the preload read from a dropped or picked `File`; '' (a `File` with no path on disk) gets ''.
 * @throws Error (a rejection) for anything but a string of at most 4,096 bytes; AppError `validation` for a path
 *   that is not absolute
 */
export function grantDroppedPath(grants: PathGrants, path: unknown): string {
  if (typeof path !== 'string' || utf8Bytes(path) > LIMITS.pathBytes) throw new Error('atelier:grant-path refused: not a path');
  if (path === '') return '';
  return grants.grant(path);
}
