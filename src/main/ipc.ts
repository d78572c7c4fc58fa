/**
 * The Electron transport: one invoke channel for every contract call, one push channel for events, and the
 * preload's channel to grant the path of a dropped or picked file (src/main/path-grants.ts). The dispatcher
 * validates inputs; here we only make sure the caller is the app's own top-level page. What happens after that
 * check lives in ./ipc-dispatch.ts (no electron, so it is tested in plain Node).
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { Dispatcher } from './dispatcher';
import { CALL_CHANNEL, dispatchIpcCall, EVENT_CHANNEL, GRANT_CHANNEL } from './ipc-dispatch';
import { isAllowedNavigation } from './security-policy';

export { CALL_CHANNEL, EVENT_CHANNEL, GRANT_CHANNEL };

/** True when the IPC message comes from the main frame of the app's own page (not an iframe, not another URL). */
function fromAppFrame(event: IpcMainInvokeEvent, appUrl: string): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAllowedNavigation(frame.url, appUrl);
}

/**
 * Registers the call and grant handlers and forwards dispatcher events to every window showing the app.
 * @param grant grants the path of a dropped or picked file in the service host's registry (the one the handlers
 *   resolve, src/main/path-grants.ts) and answers its token; rejects as `grantDroppedPath`
 * @returns a function that removes them
 */
export function registerIpc(dispatcher: Dispatcher, appUrl: string, grant: (path: unknown) => Promise<string>): () => void {
  ipcMain.handle(CALL_CHANNEL, (event, name: unknown, input: unknown) => {
    // Not an app error: a foreign or stale frame gets a rejection, never an envelope.
    if (!fromAppFrame(event, appUrl)) throw new Error('atelier:call refused: the sender is not the app page');
    return dispatchIpcCall(dispatcher, name, input);
  });
  ipcMain.handle(GRANT_CHANNEL, (event, path: unknown) => {
    if (!fromAppFrame(event, appUrl)) throw new Error('atelier:grant-path refused: the sender is not the app page');
    return grant(path);
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
    ipcMain.removeHandler(GRANT_CHANNEL);
    unsubscribe();
  };
}
