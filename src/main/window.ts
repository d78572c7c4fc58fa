/**
 * The main window: sandboxed renderer, context isolation, no Node, the preload as the only bridge.
 * Paths are relative to the built main bundle (out/main/index.js → out/preload, out/renderer).
 */
import { BrowserWindow } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Neutral dark grey behind the renderer until it paints (matches the default theme; no white flash). */
export const WINDOW_BACKGROUND = '#1e1e1e';

/** Absolute path of the built renderer's index.html. */
export function rendererIndexPath(): string {
  return fileURLToPath(new URL('../renderer/index.html', import.meta.url));
}

/** Absolute path of the built preload (CommonJS: sandboxed preloads cannot be ES modules). */
export function preloadPath(): string {
  return fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
}

/**
 * The app's own page as a URL. Security checks (navigation, IPC sender) compare against exactly this string,
 * so the window loads this URL too (what `loadFile` does, minus any doubt about how it encodes the path).
 */
export function appUrl(): string {
  return pathToFileURL(rendererIndexPath()).href;
}

/** Creates the main window, loads the app, and shows it once it has painted. */
export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'Atelier',
    show: false,
    backgroundColor: WINDOW_BACKGROUND,
    webPreferences: {
      preload: preloadPath(),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.loadURL(appUrl()).catch((err: unknown) => console.error('Atelier: the window could not load the app', err));
  return win;
}
