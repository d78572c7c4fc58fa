/**
 * The main window and the page it shows: sandboxed renderer, context isolation, no Node, the preload as the only
 * bridge. The page comes from the privileged `app:` scheme (`app://atelier/index.html`), served from the built
 * renderer by {@link handleAppProtocol} with its CSP as a header; in `npm run dev` it comes from electron-vite's dev
 * server (ELECTRON_RENDERER_URL) instead, for hot reload. Paths are relative to the built main bundle
 * (out/main/index.js → out/preload, out/renderer).
 */
import { app, BrowserWindow, nativeTheme, protocol, type CustomScheme } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_SCHEME, appPageUrl, resolveAppRequest } from './app-protocol';

/** Neutral dark grey behind the renderer until it paints (the dark theme's `--bg`; no white flash). */
export const WINDOW_BACKGROUND = '#1c1c1c';
/** The light theme's `--bg`, behind the renderer when the chosen (or the system's) theme is light. */
export const WINDOW_BACKGROUND_LIGHT = '#f2f2f2';

/**
 * `app:` as a standard (origin, relative URLs), secure (like https: for the web platform), fetch-able scheme,
 * CORS-enabled so Vite's `<script type="module" crossorigin>` loads. Never `bypassCSP`: the handler sends the CSP.
 * Passed to the single `protocol.registerSchemesAsPrivileged` call in index.ts (a second call would replace the first).
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
};

/** Absolute path of the built renderer (out/renderer): the only folder the `app:` scheme serves. */
export function rendererRoot(): string {
  return fileURLToPath(new URL('../renderer/', import.meta.url));
}

/** Absolute path of the built preload (CommonJS: sandboxed preloads cannot be ES modules). */
export function preloadPath(): string {
  return fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
}

/**
 * The window icon on Linux and Windows (macOS takes the bundle's .icns): packaged, the copy electron-builder puts
 * in the resources folder (electron-builder.yml extraResources); from the repository, resources/ (made by
 * scripts/make-icons.mjs).
 */
export function windowIconPath(): string | undefined {
  if (process.platform === 'darwin') return undefined;
  if (app.isPackaged) return path.join(process.resourcesPath, process.platform === 'win32' ? 'icon.ico' : 'icon.png');
  return path.join(app.getAppPath(), 'resources', process.platform === 'win32' ? 'icon.ico' : 'icons/512x512.png');
}

/**
 * The app's own page. Security checks (navigation, IPC sender, drag-out) allow exactly this URL's origin.
 * `app://atelier/index.html`, except in an unpackaged run started by `electron-vite dev`, which sets
 * ELECTRON_RENDERER_URL to its dev server (accepted only on a loopback http: address).
 */
export function appUrl(): string {
  const { url, ignored } = appPageUrl(app.isPackaged, process.env.ELECTRON_RENDERER_URL);
  if (ignored) console.error(`Atelier: ignoring ${ignored}; loading the built renderer`);
  return url;
}

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
  });
}

/**
 * Serves `app://atelier/…` on the default session from the built renderer: only its regular files (resolved by
 * {@link resolveAppRequest}: no traversal, no symlink out, no directory listing), GET and HEAD only, each with its
 * MIME type and the CSP header. Call after `app` is ready.
 * @returns a function that removes the handler
 */
export function handleAppProtocol(root: string = rendererRoot()): () => void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method Not Allowed');
    const found = resolveAppRequest(root, request.url);
    if (found.status !== 200) return plain(found.status, found.status === 404 ? 'Not Found' : 'Bad Request');
    try {
      const body = request.method === 'HEAD' ? null : await readFile(found.file);
      return new Response(body, { status: 200, headers: found.headers });
    } catch {
      return plain(404, 'Not Found');
    }
  });
  return () => protocol.unhandle(APP_SCHEME);
}

/** Creates the main window, loads the app, and shows it once it has painted. */
export function createMainWindow(): BrowserWindow {
  const icon = windowIconPath();
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'Atelier',
    show: false,
    backgroundColor: nativeTheme.shouldUseDarkColors ? WINDOW_BACKGROUND : WINDOW_BACKGROUND_LIGHT,
    ...(icon ? { icon } : {}),
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
