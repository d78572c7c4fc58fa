/**
 * The desktop shell's application menu, system notifications and icon badge (issue 11). Electron shell only
 * (`electronShell` in eslint.config.js).
 *
 * - Menu: the standard App (macOS), File, Edit, View and Window menus, where Edit ▸ Undo and Redo are the library's:
 *   a click sends the window the `app.command` event (src/shared/contracts/undo.ts), and the window runs it — the
 *   focused text field's own undo, else the organising history (src/renderer/src/app/undo-keys.ts). On macOS the menu
 *   owns ⌘Z / ⇧⌘Z (key equivalents go to the menu first there, and text fields rely on them); on Windows and Linux
 *   the shortcuts (Ctrl+Z, Ctrl+Y, Shift+Ctrl+Z) are shown but not registered (`registerAccelerator: false`), so the
 *   keys reach the page, which handles them as in the browser.
 *   (https://www.electronjs.org/docs/latest/api/menu-item)
 * - Notifications: the page asks with `atelier:notify` (title, body; it decides when: a job or task that finished
 *   while the window was in the background, with the text in the user's language); shown with Electron's
 *   `Notification` (https://www.electronjs.org/docs/latest/api/notification); a click brings the window forward.
 * - Badge: `atelier:badge` with the number of running jobs, put on the dock or taskbar icon with
 *   `app.setBadgeCount` (macOS, and Linux launchers that show counts; https://www.electronjs.org/docs/latest/api/app#appsetbadgecountcount-linux-macos).
 * Only the app's own top-level page is listened to; anything else is ignored.
 */
import { app, BrowserWindow, Menu, Notification, type IpcMainEvent, type MenuItemConstructorOptions, ipcMain } from 'electron';
import type { AppCommand } from '@shared/contracts/undo';
import type { Locale } from '@shared/domain';
import { EVENT_CHANNEL } from './ipc-dispatch';
import { isAllowedNavigation } from './security-policy';

export const NOTIFY_CHANNEL = 'atelier:notify';
export const BADGE_CHANNEL = 'atelier:badge';

/** Longest notification title and body taken from the page, in characters. */
const MAX_TITLE = 200;
const MAX_BODY = 500;
/** Largest badge count accepted. */
const MAX_BADGE = 100_000;

/** The labels of the two menu items Atelier names itself (the rest are Electron's roles, localised by the OS). */
const LABELS: Record<Locale, { undo: string; redo: string }> = {
  en: { undo: 'Undo', redo: 'Redo' },
  ko: { undo: '실행 취소', redo: '다시 실행' },
  ja: { undo: '取り消す', redo: 'やり直す' },
};

/** Sends a menu command to the app's windows (the focused one, else every one showing the app). */
function sendCommand(command: AppCommand, appUrl: string): void {
  const focused = BrowserWindow.getFocusedWindow();
  const targets = focused ? [focused] : BrowserWindow.getAllWindows();
  for (const win of targets) {
    const contents = win.webContents;
    if (win.isDestroyed() || contents.isDestroyed() || !isAllowedNavigation(contents.getURL(), appUrl)) continue;
    contents.send(EVENT_CHANNEL, { name: 'app.command', payload: { command } });
  }
}

/** The menu template for `platform`, with Undo and Redo sending `app.command`. Exported for tests. */
export function menuTemplate(platform: NodeJS.Platform, locale: Locale, send: (command: AppCommand) => void): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const label = LABELS[locale] ?? LABELS.en;
  const edit: MenuItemConstructorOptions = {
    role: 'editMenu',
    submenu: [
      { id: 'undo', label: label.undo, accelerator: 'CommandOrControl+Z', registerAccelerator: mac, click: () => send('undo') },
      {
        id: 'redo',
        label: label.redo,
        accelerator: mac ? 'Shift+Command+Z' : 'Control+Y',
        registerAccelerator: mac,
        click: () => send('redo'),
      },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  };
  return [...(mac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []), { role: 'fileMenu' }, edit, { role: 'viewMenu' }, { role: 'windowMenu' }];
}

function fromAppPage(event: IpcMainEvent, appUrl: string): boolean {
  const frame = event.senderFrame;
  return !!frame && frame.parent === null && isAllowedNavigation(frame.url, appUrl);
}

/** Sets (or, after a change of language, replaces) the application menu, its labels in `locale`. */
export function setAppMenu(appUrl: string, locale: Locale): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, locale, (c) => sendCommand(c, appUrl))));
}

/**
 * Sets the application menu and listens for the page's notifications and badge count. Call after `app` is ready.
 * @param locale the UI language for the two labels Atelier names (the library's setting at start; `setAppMenu`
 *   relabels it when the language changes)
 * @returns the function that stops listening (the menu stays)
 */
export function installAppMenu(appUrl: string, locale: Locale): () => void {
  setAppMenu(appUrl, locale);

  const onNotify = (event: IpcMainEvent, title: unknown, body: unknown): void => {
    if (!fromAppPage(event, appUrl) || typeof title !== 'string' || typeof body !== 'string') return;
    if (!Notification.isSupported()) return;
    const n = new Notification({ title: title.slice(0, MAX_TITLE), body: body.slice(0, MAX_BODY) });
    const win = BrowserWindow.fromWebContents(event.sender);
    n.on('click', () => {
      if (!win || win.isDestroyed()) return;
      if (win.isMinimized()) win.restore();
      win.focus();
    });
    n.show();
  };
  const onBadge = (event: IpcMainEvent, count: unknown): void => {
    if (!fromAppPage(event, appUrl) || typeof count !== 'number' || !Number.isInteger(count) || count < 0) return;
    app.setBadgeCount(Math.min(count, MAX_BADGE));
  };
  ipcMain.on(NOTIFY_CHANNEL, onNotify);
  ipcMain.on(BADGE_CHANNEL, onBadge);
  return () => {
    ipcMain.removeListener(NOTIFY_CHANNEL, onNotify);
    ipcMain.removeListener(BADGE_CHANNEL, onBadge);
    app.setBadgeCount(0);
  };
}
