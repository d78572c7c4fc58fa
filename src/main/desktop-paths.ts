/**
 * Where the desktop app keeps its two folders, kept apart so that a library is only Atelier's own files:
 * - the library (`ATELIER_DATA_DIR`, else `<appData>/Atelier`, as services/paths.ts says for the web host): library.sqlite (+ -wal, -shm),
 *   objects/, thumbs/, logs/ — what a user copies or backs up;
 * - Chromium's profile (Electron's `userData` and `sessionData`: cookies, local storage, caches, GPU cache, the
 *   single-instance lock) in the OS app-data folder, outside any library: `<appData>/Atelier-profiles/default` for
 *   the default library, `<appData>/Atelier-profiles/<16 hex of sha256(library path)>` for any other, so each
 *   library keeps its own window state and lock and a test run never touches the user's real profile.
 * Pure (no electron import); index.ts passes `app.getPath('appData')`.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { APP_DIR_NAME } from './services/paths';

/** The folder under the OS app-data folder that holds the Chromium profiles. */
export const PROFILES_DIR_NAME = 'Atelier-profiles';

/** The desktop app's library folder and the Chromium profile folder that goes with it (absolute paths). */
export interface DesktopPaths {
  library: string;
  profile: string;
}

/**
 * The library folder and its Chromium profile folder.
 * @param appData the OS app-data folder (`app.getPath('appData')`: `%APPDATA%`, `~/Library/Application Support`,
 *   `${XDG_CONFIG_HOME:-~/.config}`)
 * @param env `ATELIER_DATA_DIR` picks the library (resolved against the working directory); defaults to process.env
 * @param platform path rules (win32 compares library paths case-insensitively); defaults to process.platform
 */
export function desktopPaths(
  appData: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): DesktopPaths {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const given = env.ATELIER_DATA_DIR?.trim();
  const defaultLibrary = p.join(appData, APP_DIR_NAME);
  const library = given ? p.resolve(given) : defaultLibrary;
  const profiles = p.join(appData, PROFILES_DIR_NAME);
  const key = (dir: string) => {
    const norm = p.resolve(dir).replace(/[\\/]+$/, '');
    return platform === 'win32' || platform === 'darwin' ? norm.toLowerCase() : norm;
  };
  const isDefault = key(library) === key(defaultLibrary);
  const profile = isDefault
    ? p.join(profiles, 'default')
    : p.join(profiles, createHash('sha256').update(key(library)).digest('hex').slice(0, 16));
  return { library, profile };
}
