/**
 * Drag-out: an image dragged from the gallery to the desktop or another app. The page sends only a blob id
 * (`atelier:start-drag`); the library resolves it to its own file, so nothing the renderer names becomes a path.
 */
import { ipcMain, nativeImage, type IpcMainEvent } from 'electron';
import type { BlobStore } from './services/library/store';
import { isAllowedNavigation } from './security-policy';

export const DRAG_CHANNEL = 'atelier:start-drag';

/** A 1×1 transparent PNG: the drag icon where the image itself cannot serve (WebP). */
const FALLBACK_ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/**
 * Listens for drag-out requests from the app's own top-level page.
 * @returns the function that stops listening
 */
export function registerDragOut(store: () => BlobStore | null, appUrl: string): () => void {
  const onDrag = (event: IpcMainEvent, blobId: unknown): void => {
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null || !isAllowedNavigation(frame.url, appUrl)) return;
    const s = store();
    if (!s || typeof blobId !== 'string' || !s.get(blobId)) return;
    let file: string;
    try {
      // Inside the library and through no symbolic link (library-fs.ts), else nothing is dragged.
      file = s.checkedPathOf(blobId);
    } catch {
      return;
    }
    const info = s.get(blobId)!;
    let icon = info.mime === 'image/webp' ? nativeImage.createEmpty() : nativeImage.createFromPath(file);
    icon = icon.isEmpty() ? nativeImage.createFromDataURL(FALLBACK_ICON) : icon.resize({ width: 96 });
    event.sender.startDrag({ file, icon });
  };
  ipcMain.on(DRAG_CHANNEL, onDrag);
  return () => ipcMain.removeListener(DRAG_CHANNEL, onDrag);
}
