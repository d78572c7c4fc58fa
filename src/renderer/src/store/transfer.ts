/**
 * Long operations started from this window (import, export, integrity check, thumbnails, backup): their latest
 * view from `task.updated` events, and which ones the task panel shows. Also starts imports: the desktop window
 * hands the main process paths; a browser sends the files' bytes in batches (`import.addFiles`).
 */
import { create } from 'zustand';
import type { TaskView } from '@shared/contracts/transfer';
import { call, getTransport } from '../transport';
import { useFolders } from './folders';
import { useGallery } from './gallery';

/**
 * Largest batch sent to the web host, in bytes of file data (base64 adds a third; the host takes ~34 MB). 1 MB
 * rather than 8: the service host parses each batch's JSON on its own thread, and that pause shows in the gallery's
 * calls during an import (tests/e2e/busy-host.test.ts: page p99 69 ms at 8 MB, 38 at 2 MB; media p99 at 2 MB
 * reached 44–52 ms over 960 photos).
 */
const BATCH_BYTES = 1024 * 1024;
const BATCH_FILES = 100;

interface TransferState {
  tasks: Record<string, TaskView>;
  /** Ids the panel shows, oldest first. */
  shown: string[];
  /** A `task.updated` event (or a reply): keeps the newest view; an ended import refreshes the gallery. */
  apply(view: TaskView): void;
  dismiss(id: string): void;
  cancel(id: string): Promise<void>;
}

export const useTransfer = create<TransferState>()((set, get) => ({
  tasks: {},
  shown: [],
  apply(view) {
    const before = get().tasks[view.id];
    if (before && before.state !== 'running' && view.state === 'running') return; // a stale reply
    set((s) => ({ tasks: { ...s.tasks, [view.id]: view } }));
    if (view.kind === 'import' && view.state !== 'running' && before?.state === 'running') {
      void useGallery.getState().reload();
      void useFolders.getState().load();
    }
  },
  dismiss(id) {
    set((s) => ({ shown: s.shown.filter((x) => x !== id) }));
  },
  async cancel(id) {
    get().apply(await call('tasks.cancel', { id }));
  },
}));

/** Shows a task in the panel (a task this window started). */
export function watchTask(view: TaskView): void {
  useTransfer.setState((s) => ({ shown: s.shown.includes(view.id) ? s.shown : [...s.shown, view.id] }));
  useTransfer.getState().apply(view);
}

/** A file to import, with its path inside a dropped or picked folder (`shoot/bad/x.png`), or just its name. */
export interface ImportFile {
  file: File;
  name: string;
}

/**
 * Imports into `folderId`: paths (desktop window) or files (browser). Resolves once the last batch is handed over
 * (the task keeps running in the main process; follow it in the panel). Near-duplicates are only flagged: the
 * report offers "Stack them" for each.
 */
export async function startImport(folderId: string, source: { paths: string[] } | { files: ImportFile[] }): Promise<void> {
  if ('paths' in source) {
    watchTask(await call('import.start', { folderId, paths: source.paths, stackNearDuplicates: false }));
    return;
  }
  const view = await call('import.start', { folderId, paths: null, stackNearDuplicates: false });
  watchTask(view);
  // XMP sidecars (photo.xmp beside photo.jpg, as Lightroom writes them) go first: the host keeps them for their
  // images, which may come in a later batch.
  const sidecar = (f: ImportFile): number => (/\.xmp$/i.test(f.name) ? 0 : 1);
  const files = [...source.files].sort((x, y) => sidecar(x) - sidecar(y));
  let i = 0;
  do {
    const batch: Array<{ name: string; dataBase64: string }> = [];
    let bytes = 0;
    while (i < files.length && batch.length < BATCH_FILES && (batch.length === 0 || bytes + files[i]!.file.size <= BATCH_BYTES)) {
      const f = files[i++]!;
      bytes += f.file.size;
      batch.push({ name: f.name, dataBase64: await toBase64(f.file) });
    }
    if (useTransfer.getState().tasks[view.id]?.state !== 'running') return; // canceled meanwhile
    try {
      useTransfer.getState().apply(await call('import.addFiles', { taskId: view.id, files: batch, total: files.length, last: i >= files.length }));
    } catch {
      return; // the import ended (canceled, disk full): its report says what was done
    }
  } while (i < files.length);
}

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The files of a drop: folders walked (webkitGetAsEntry), each named by its path inside the drop. */
export async function filesOfDrop(dt: DataTransfer): Promise<ImportFile[]> {
  const entries = Array.from(dt.items)
    .map((it) => (it.kind === 'file' ? it.webkitGetAsEntry?.() : null))
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return Array.from(dt.files).map((file) => ({ file, name: file.name }));
  const out: ImportFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ file, name: prefix + entry.name });
    } else if (entry.isDirectory && !entry.name.startsWith('.')) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const e of batch) if (!e.name.startsWith('.')) await walk(e, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}

/**
 * Path grant tokens of dropped files and folders in the desktop window (the preload's `grantFile`), or null in a
 * browser or when none of them has a path. Read the `File`s synchronously in the drop handler, then call this.
 */
export async function pathsOfDrop(files: File[]): Promise<string[] | null> {
  if (getTransport().kind !== 'electron' || !window.atelier) return null;
  const tokens = (await Promise.all(files.map((f) => window.atelier!.grantFile(f)))).filter((p) => p !== '');
  return tokens.length > 0 ? tokens : null;
}
