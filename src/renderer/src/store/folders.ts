import { create } from 'zustand';
import type { FolderNode } from '@shared/domain';
import type { AppErrorShape } from '@shared/errors';
import { childMap, pathTo, subtree } from '../features/folders/tree';
import { errorShape } from '../i18n/format';
import { loadPref, savePref } from '../lib/persist';
import { call } from '../transport';
import * as ops from './undo-ops';

interface FoldersState {
  nodes: FolderNode[];
  loaded: boolean;
  error: AppErrorShape | null;
  selectedId: string | null;
  expanded: Record<string, boolean>;
  load(): Promise<void>;
  select(id: string | null): void;
  setExpanded(id: string, open: boolean): void;
  /**
   * The calls below throw `AppError` so the dialog that asked can show it next to the field; each is a step of the
   * undo history (store/undo-ops.ts).
   */
  create(name: string, parentId: string | null): Promise<FolderNode>;
  rename(id: string, name: string): Promise<void>;
  move(id: string, parentId: string | null): Promise<void>;
  /** Deletes a folder and its sub-folders; their images go to the trash (restorable to the same folders). */
  remove(id: string): Promise<{ deletedFolders: number; trashedAssets: number }>;
  bumpCount(folderId: string, by: number): void;
}

const isRecord = (v: unknown): v is Record<string, boolean> => !!v && typeof v === 'object' && !Array.isArray(v);
const isIdOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

export const useFolders = create<FoldersState>()((set, get) => ({
  nodes: [],
  loaded: false,
  error: null,
  selectedId: loadPref('selectedFolder', null, isIdOrNull),
  expanded: loadPref('expandedFolders', {}, isRecord),

  async load() {
    try {
      const nodes = await call('folders.list', {});
      const { selectedId } = get();
      let next = selectedId && nodes.some((n) => n.id === selectedId) ? selectedId : null;
      // First visit, or the selected folder went away: fall back to the first project, opened.
      if (!next) {
        next = childMap(nodes).get('')?.[0]?.id ?? null;
        if (next) get().setExpanded(next, true);
      }
      set({ nodes, loaded: true, error: null });
      if (next !== selectedId) get().select(next);
    } catch (err) {
      set({ loaded: true, error: errorShape(err) });
    }
  },

  select(id) {
    if (id) {
      // Reveal the selection: open every ancestor.
      const byId = new Map(get().nodes.map((n) => [n.id, n]));
      const ancestors = pathTo(byId, id).slice(0, -1);
      if (ancestors.some((a) => !get().expanded[a.id])) {
        const expanded = { ...get().expanded };
        for (const a of ancestors) expanded[a.id] = true;
        set({ expanded });
        savePref('expandedFolders', expanded);
      }
    }
    set({ selectedId: id });
    savePref('selectedFolder', id);
  },

  setExpanded(id, open) {
    const expanded = { ...get().expanded, [id]: open };
    if (!open) delete expanded[id];
    set({ expanded });
    savePref('expandedFolders', expanded);
  },

  async create(name, parentId) {
    const node = await ops.createFolder(name, parentId);
    set((s) => ({ nodes: s.nodes.some((n) => n.id === node.id) ? s.nodes : [...s.nodes, node] }));
    if (parentId) get().setExpanded(parentId, true);
    get().select(node.id);
    return node;
  },

  async rename(id, name) {
    const prev = get().nodes.find((n) => n.id === id) ?? { id, name };
    const node = await ops.renameFolder(prev, name);
    set((s) => ({ nodes: s.nodes.map((n) => (n.id === id ? node : n)) }));
  },

  async move(id, parentId) {
    const prev = get().nodes.find((n) => n.id === id);
    const node = prev ? await ops.moveFolder(prev, parentId) : await call('folders.move', { id, parentId });
    set((s) => ({ nodes: s.nodes.map((n) => (n.id === id ? node : n)) }));
    get().select(id);
  },

  async remove(id) {
    const { nodes, selectedId } = get();
    const result = await ops.deleteFolder(nodes.find((n) => n.id === id) ?? { id, name: '' });
    const gone = new Set(subtree(childMap(nodes), id));
    const removed = nodes.find((n) => n.id === id);
    set({ nodes: nodes.filter((n) => !gone.has(n.id)) });
    if (selectedId && gone.has(selectedId)) get().select(removed?.parentId ?? null);
    return result;
  },

  bumpCount(folderId, by) {
    set((s) => ({ nodes: s.nodes.map((n) => (n.id === folderId ? { ...n, assetCount: n.assetCount + by } : n)) }));
  },
}));
