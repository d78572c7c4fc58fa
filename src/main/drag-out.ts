/**
 * Drag-out: an image dragged from the gallery to the desktop or another app. The page sends only a blob id
 * (`atelier:start-drag`); the library resolves it to its own file, so nothing the renderer names becomes a path.
 * "Show in file manager" (`atelier:reveal-file`, the tile's menu) resolves a blob id the same way and shows the file
 * in the OS file manager.
 */
import { ipcMain, nativeImage, shell, type IpcMainEvent } from 'electron';
import { isAllowedNavigation } from './security-policy';

export const DRAG_CHANNEL = 'atelier:start-drag';
export const REVEAL_CHANNEL = 'atelier:reveal-file';

/** A 1×1 transparent PNG: the drag icon where the image itself cannot serve (WebP). */
const FALLBACK_ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/**
 * Listens for drag-out and reveal requests from the app's own top-level page.
 * @param fileOf the blob's file inside the library (checked: no symbolic link) and its MIME type, or null when the
 *   id is unknown or its file refused (the service host answers it, src/main/service-client.ts)
 * @returns the function that stops listening
 */
export function registerDragOut(fileOf: (blobId: string) => Promise<{ path: string; mime: string } | null>, appUrl: string): () => void {
  const onDrag = (event: IpcMainEvent, blobId: unknown): void => {
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null || !isAllowedNavigation(frame.url, appUrl)) return;
    if (typeof blobId !== 'string') return;
    void fileOf(blobId)
      .catch(() => null)
      .then((info) => {
        if (!info || event.sender.isDestroyed()) return;
        let icon = info.mime === 'image/webp' ? nativeImage.createEmpty() : nativeImage.createFromPath(info.path);
        icon = icon.isEmpty() ? nativeImage.createFromDataURL(FALLBACK_ICON) : icon.resize({ width: 96 });
        event.sender.startDrag({ file: info.path, icon });
      });
  };
  const onReveal = (event: IpcMainEvent, blobId: unknown): void => {
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null || !isAllowedNavigation(frame.url, appUrl)) return;
    if (typeof blobId !== 'string') return;
    void fileOf(blobId)
      .catch(() => null)
      .then((info) => {
        // https://www.electronjs.org/docs/latest/api/shell#shellshowiteminfolderfullpath
        if (info) shell.showItemInFolder(info.path);
      });
  };
  ipcMain.on(DRAG_CHANNEL, onDrag);
  ipcMain.on(REVEAL_CHANNEL, onReveal);
  return () => {
    ipcMain.removeListener(DRAG_CHANNEL, onDrag);
    ipcMain.removeListener(REVEAL_CHANNEL, onReveal);
  };
}
