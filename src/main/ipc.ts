/**
 * The Electron transport: one invoke channel for every contract call, one push channel for events. The
 * dispatcher validates inputs; here we only make sure the caller is the app's own top-level page.
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { Dispatcher } from './dispatcher';
import { isAllowedNavigation } from './security-policy';

export const CALL_CHANNEL = 'atelier:call';
export const EVENT_CHANNEL = 'atelier:event';

/** True when the IPC message comes from the main frame of the app's own page (not an iframe, not another URL). */
function fromAppFrame(event: IpcMainInvokeEvent, appUrl: string): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAllowedNavigation(frame.url, appUrl);
}

/**
 * Registers the call handler and forwards dispatcher events to every window showing the app.
 * @returns a function that removes both
 */
export function registerIpc(dispatcher: Dispatcher, appUrl: string): () => void {
  ipcMain.handle(CALL_CHANNEL, (event, name: unknown, input: unknown) => {
    // Not an app error: a foreign or stale frame gets a rejection, never an envelope.
    if (!fromAppFrame(event, appUrl)) throw new Error('atelier:call refused: the sender is not the app page');
    if (typeof name !== 'string') throw new Error('atelier:call refused: the call name must be a string');
    return dispatcher.call(name, input, { transport: 'electron' });
  });

  const unsubscribe = dispatcher.subscribe((event) => {
    for (const win of BrowserWindow.getAllWindows()) {
      const contents = win.webContents;
      if (win.isDestroyed() || contents.isDestroyed()) continue;
      if (!isAllowedNavigation(contents.getURL(), appUrl)) continue;
      contents.send(EVENT_CHANNEL, event);
    }
  });

  return () => {
    ipcMain.removeHandler(CALL_CHANNEL);
    unsubscribe();
  };
}
