/**
 * The Electron main process: app lifecycle only. It wires the plain-Node app (createApp) to Electron: IPC, the
 * `media:` protocol, the window and the security rules. Business logic lives in the services.
 *
 * Data folder: `ATELIER_DATA_DIR`, else `<appData>/Atelier`, the same folder the web host uses by default.
 * Electron's own profile (`userData`) is pointed at it too, so a test run with its own data folder never touches
 * the user's real profile, and the single-instance lock is per data folder.
 */
import { app, BrowserWindow, dialog } from 'electron';
import path from 'node:path';
import { createApp, type App } from './app';
import { registerIpc } from './ipc';
import { registerDragOut } from './drag-out';
import { handleMediaProtocol, registerMediaScheme } from './media-protocol';
import { installSecurity } from './security';
import { APP_DIR_NAME } from './services/paths';
import { appUrl, createMainWindow } from './window';

const dataDir = process.env.ATELIER_DATA_DIR?.trim()
  ? path.resolve(process.env.ATELIER_DATA_DIR.trim())
  : path.join(app.getPath('appData'), APP_DIR_NAME);
app.setName('Atelier');
app.setPath('userData', dataDir);

// Privileged schemes can only be declared before `ready`.
registerMediaScheme();

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
  disposers.push(registerIpc(atelier.dispatcher, url));
  disposers.push(registerDragOut(() => atelier?.services.store ?? null, url));
  disposers.push(handleMediaProtocol(atelier.dispatcher));
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
