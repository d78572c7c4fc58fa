/**
 * The Electron main process: app lifecycle only. It wires the plain-Node app (createApp) to Electron: IPC, the
 * `app:` and `media:` protocols, the window and the security rules. Business logic lives in the services.
 *
 * Library folder: `ATELIER_DATA_DIR`, else `<appData>/Atelier`, the same folder the web host uses by default; it
 * holds only Atelier's files. Chromium's profile (`userData`, `sessionData`) is a separate folder in app-data,
 * one per library (desktop-paths.ts), so the single-instance lock is per library and a test run with its own
 * library never touches the user's real profile.
 */
import { app, BrowserWindow, dialog, protocol } from 'electron';
import { createApp, type App } from './app';
import { desktopPaths } from './desktop-paths';
import { registerIpc } from './ipc';
import { registerDragOut } from './drag-out';
import { handleMediaProtocol, MEDIA_SCHEME } from './media-protocol';
import { installSecurity } from './security';
import { APP_SCHEME_PRIVILEGES, appUrl, createMainWindow, handleAppProtocol } from './window';

const paths = desktopPaths(app.getPath('appData'));
const dataDir = paths.library;
app.setName('Atelier');
app.setPath('userData', paths.profile);
app.setPath('sessionData', paths.profile);

// Privileged schemes can only be declared before `ready`, and in one call: a later call replaces the earlier one
// (https://github.com/electron/electron/issues/40362). `media:` is standard, secure and fetch-able, never
// `bypassCSP` (the page's CSP lists it); `app:` is described in window.ts.
protocol.registerSchemesAsPrivileged([
  APP_SCHEME_PRIVILEGES,
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let mainWindow: BrowserWindow | null = null;
let atelier: App | null = null;
const disposers: Array<() => void> = [];

function showMainWindow(): void {
  if (mainWindow && !mainWindow.isDestroyed()) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
    return;
  }
  mainWindow = createMainWindow();
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

async function start(): Promise<void> {
  await app.whenReady();
  const url = appUrl();
  installSecurity(url);
  atelier = await createApp({
    dataDir,
    env: process.env,
    // The export folder picker: a native dialog, here in the shell (services never import electron).
    shell: {
      async pickFolder() {
        const opts = { properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
        const r = mainWindow ? await dialog.showOpenDialog(mainWindow, opts) : await dialog.showOpenDialog(opts);
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
    },
  });
  disposers.push(registerIpc(atelier.dispatcher, url, atelier.services.grants));
  disposers.push(registerDragOut(() => atelier?.services.store ?? null, url));
  disposers.push(handleMediaProtocol(atelier.dispatcher));
  disposers.push(handleAppProtocol());
  showMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) showMainWindow();
  });
}

/** Stops IPC and the protocol, then the services (jobs settle, database closes). */
async function shutdown(): Promise<void> {
  for (const dispose of disposers.splice(0)) {
    try {
      dispose();
    } catch {
      // already gone
    }
  }
  const running = atelier;
  atelier = null;
  await running?.close();
}

if (!app.requestSingleInstanceLock()) {
  // Another Atelier has this data folder open; it focuses its window (below) and we leave.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (app.isReady() && atelier) showMainWindow();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let closed = false;
  let closing = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    if (closing) return;
    closing = true;
    shutdown()
      .catch((err: unknown) => console.error('Atelier: error while closing', err))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });

  start().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error('Atelier could not start', err);
    dialog.showErrorBox('Atelier could not start', message);
    app.exit(1);
  });
}
