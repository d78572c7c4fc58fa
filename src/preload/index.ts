/**
 * The preload: exposes exactly {@link AtelierBridge} as `window.atelier` and nothing else. No raw ipcRenderer,
 * no file-system access: the path of a dropped or picked file is read here (`webUtils.getPathForFile`) and sent to
 * the main process, which grants it and answers an opaque token (src/main/path-grants.ts); the page only ever
 * holds tokens. Runs sandboxed (bundled as CommonJS).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { AtelierBridge } from '@shared/bridge';
import type { AnyEvent, CallResult } from '@shared/contract';

const CALL_CHANNEL = 'atelier:call';
const EVENT_CHANNEL = 'atelier:event';
const DRAG_CHANNEL = 'atelier:start-drag';
/** src/main/drag-out.ts REVEAL_CHANNEL. */
const REVEAL_CHANNEL = 'atelier:reveal-file';
/** src/main/app-menu.ts NOTIFY_CHANNEL and BADGE_CHANNEL. */
const NOTIFY_CHANNEL = 'atelier:notify';
const BADGE_CHANNEL = 'atelier:badge';
/** src/main/ipc-dispatch.ts GRANT_CHANNEL. */
const GRANT_CHANNEL = 'atelier:grant-path';

const bridge: AtelierBridge = {
  transport: 'electron',
  call: (name, input) => ipcRenderer.invoke(CALL_CHANNEL, name, input) as Promise<CallResult<unknown>>,
  onEvent(listener) {
    // Only the event reaches the page, never the IpcRendererEvent (it carries `sender`).
    const forward = (_event: IpcRendererEvent, payload: AnyEvent) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    };
  },
  startDrag(blobId) {
    ipcRenderer.send(DRAG_CHANNEL, String(blobId));
  },
  notify(title, body) {
    ipcRenderer.send(NOTIFY_CHANNEL, String(title), String(body));
  },
  setBadgeCount(count) {
    ipcRenderer.send(BADGE_CHANNEL, Number(count));
  },
  revealFile(blobId) {
    ipcRenderer.send(REVEAL_CHANNEL, String(blobId));
  },
  async grantFile(file) {
    let path: string;
    try {
      path = webUtils.getPathForFile(file);
    } catch {
      return '';
    }
    if (!path) return '';
    return (await ipcRenderer.invoke(GRANT_CHANNEL, path)) as string;
  },
};

contextBridge.exposeInMainWorld('atelier', bridge);
