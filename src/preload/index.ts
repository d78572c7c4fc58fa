/**
 * The preload: exposes exactly {@link AtelierBridge} as `window.atelier` and nothing else. No raw ipcRenderer,
 * no file-system access: dropped files become paths through `webUtils.getPathForFile`, and the main process
 * decides what to do with them. Runs sandboxed (bundled as CommonJS).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { AtelierBridge } from '../shared/bridge';
import type { AnyEvent, CallResult } from '../shared/contract';

const CALL_CHANNEL = 'atelier:call';
const EVENT_CHANNEL = 'atelier:event';
const DRAG_CHANNEL = 'atelier:start-drag';

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
  pathForFile(file) {
    try {
      return webUtils.getPathForFile(file);
    } catch {
      return '';
    }
  },
};

contextBridge.exposeInMainWorld('atelier', bridge);
