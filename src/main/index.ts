/**
 * The Electron main process: app lifecycle only. The library and every service run in a `utilityProcess` (the
 * service host, src/main/service-host.ts, built as out/main/service-host.js), so SQLite, the job engine, import,
 * export and backups never hold up this thread; here stay the window, menus, dialogs and protocols, wired to the
 * host through src/main/service-client.ts (IPC calls, events, `media:`, path grants, drag-out, the folder picker).
 *
 * Library folder: `ATELIER_DATA_DIR`, else `<appData>/Atelier`, the same folder the web host uses by default; it
 * holds only Atelier's files. Chromium's profile (`userData`, `sessionData`) is a separate folder in app-data,
 * one per library (desktop-paths.ts), so the single-instance lock is per library and a test run with its own
 * library never touches the user's real profile.
 */
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, nativeTheme, protocol, utilityProcess, type UtilityProcess } from 'electron';
import { Locale, Theme } from '@shared/domain';
import { connectServiceHost, type ServiceClient } from './service-client';
import type { FromHost, ToHost } from './service-protocol';
import { desktopPaths } from './desktop-paths';
import { registerIpc } from './ipc';
import { registerDragOut } from './drag-out';
import { installAppMenu, setAppMenu } from './app-menu';
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
let atelier: ServiceClient | null = null;
let hostProcess: UtilityProcess | null = null;
let quitting = false;
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
  const child = utilityProcess.fork(fileURLToPath(new URL('./service-host.js', import.meta.url)), [], {
    serviceName: 'Atelier services',
    stdio: 'inherit',
  });
  hostProcess = child;
  const client = connectServiceHost(
    { post: (m: ToHost) => child.postMessage(m), onMessage: (l) => child.on('message', (m: FromHost) => l(m)) },
    {
      init: { dataDir, env: { ...process.env }, shell: true },
      // The export folder picker: a native dialog, here in the shell (services never import electron).
      async pickFolder() {
        const opts = { properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
        const r = mainWindow ? await dialog.showOpenDialog(mainWindow, opts) : await dialog.showOpenDialog(opts);
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
    },
  );
  child.on('exit', (code) => {
    client.hostGone(`exit code ${code}`);
    hostProcess = null;
    if (quitting) return;
    dialog.showErrorBox('Atelier stopped', `Atelier's services stopped unexpectedly (exit code ${code}).`);
    app.exit(1);
  });
  await client.ready;
  atelier = client;
  // The theme chosen in Settings, before the window exists: the page's prefers-color-scheme, the native dialogs and
  // the window's background follow it from the first paint (https://www.electronjs.org/docs/latest/api/native-theme).
  const info = await client.call('app.info', {}, { transport: 'electron' });
  const chosen = Theme.safeParse(info.ok ? (info.value as { theme?: unknown }).theme : undefined);
  if (chosen.success) nativeTheme.themeSource = chosen.data;
  disposers.push(
    client.subscribe((event) => {
      if (event.name === 'app.theme') nativeTheme.themeSource = event.payload.theme;
      else if (event.name === 'app.locale') setAppMenu(url, event.payload.locale);
    }),
  );
  disposers.push(registerIpc(client, url, (path) => client.grant(path)));
  disposers.push(registerDragOut((blobId) => client.dragFile(blobId), url));
  // Edit ▸ Undo / Redo, notifications and the running-jobs badge (app-menu.ts), labelled in the library's language.
  const locale = Locale.safeParse(info.ok ? (info.value as { locale?: unknown }).locale : undefined);
  disposers.push(installAppMenu(url, locale.success ? locale.data : 'en'));
  disposers.push(handleMediaProtocol(client));
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
  quitting = true;
  const running = atelier;
  atelier = null;
  await running?.close();
  hostProcess?.kill();
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
