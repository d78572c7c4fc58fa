/**
 * Where Atelier keeps its data when no folder is given. Matches Electron's `app.getPath('appData')` joined with
 * the product name, so the desktop app and the local web host open the same library.
 */
import { homedir } from 'node:os';
import path from 'node:path';

/** The folder name under the OS application-data folder. */
export const APP_DIR_NAME = 'Atelier';

/**
 * The OS application-data folder for Atelier:
 * - Windows: `%APPDATA%\Atelier` (falling back to `<home>\AppData\Roaming\Atelier`)
 * - macOS: `~/Library/Application Support/Atelier`
 * - elsewhere: `${XDG_CONFIG_HOME:-~/.config}/Atelier` (a relative XDG_CONFIG_HOME is ignored, as the XDG spec says)
 * @param platform defaults to `process.platform`
 * @param env defaults to `process.env`
 * @param home defaults to `os.homedir()`
 */
export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (platform === 'win32') {
    const appData = env.APPDATA && path.win32.isAbsolute(env.APPDATA) ? env.APPDATA : path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, APP_DIR_NAME);
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  const xdg = env.XDG_CONFIG_HOME;
  const config = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.config');
  return path.posix.join(config, APP_DIR_NAME);
}

/**
 * The data folder to use: `ATELIER_DATA_DIR` when set (resolved against the working directory), else
 * {@link defaultDataDir}.
 */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.ATELIER_DATA_DIR?.trim();
  return given ? path.resolve(given) : defaultDataDir(process.platform, env);
}
