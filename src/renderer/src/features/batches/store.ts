/**
 * The batch feature's UI state (zustand): the batches the queue shows (with their rows' job ids, so the queue lists
 * each batch once instead of its jobs), the batch open in the batch view, and the template dialog. Batches come
 * from the main process (`batches.list` / `batches.get`), re-read when one of their jobs changes state (`job.updated`;
 * a row's progress alone is not shown and reads nothing) or a batch does (`batch.changed`).
 */
import { create } from 'zustand';
import type { BatchSummary, BatchView } from '@shared/contracts/batches';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { call, getTransport } from '../../transport';

interface BatchState {
  list: BatchSummary[];
  /** Job ids of every listed batch's rows. */
  jobIds: ReadonlySet<string>;
  openId: string | null;
  view: BatchView | null;
  viewError: AppErrorShape | null;
  dialogOpen: boolean;
  setDialogOpen(open: boolean): void;
  load(): Promise<void>;
  open(id: string): Promise<void>;
  close(): void;
  /**
   * Pause, resume, cancel or retry the failed rows (`confirmPaid` for rows that may already have been charged,
   * `overrideBudget` where the user chose to pass the project's budget).
   */
  act(id: string, action: 'pause' | 'resume' | 'cancel' | 'retryFailed', opts?: { confirmPaid?: boolean; overrideBudget?: boolean }): Promise<void>;
}

let syncing = false;
let timer: ReturnType<typeof setTimeout> | null = null;
/** The last state seen of each batch row's job: a `job.updated` that leaves it (progress, polls) re-reads nothing. */
const rowStates = new Map<string, string>();

export const useBatches = create<BatchState>()((set, get) => {
  /** Re-reads the list (and the open batch) at most every 250 ms while events arrive. */
  const schedule = (): void => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      void get().load();
      const id = get().openId;
      if (id) void refreshView(id);
    }, 250);
  };
  const refreshView = async (id: string): Promise<void> => {
    try {
      const view = await call('batches.get', { id });
      if (get().openId === id) set({ view, viewError: null });
    } catch (err) {
      if (get().openId === id) set({ viewError: errorShape(err) });
    }
  };
  const ensureSync = (): void => {
    if (syncing) return;
    syncing = true;
    getTransport().subscribe((e) => {
      if (e.name === 'batch.changed') schedule();
      if (e.name === 'job.updated' && get().jobIds.has(e.payload.id) && rowStates.get(e.payload.id) !== e.payload.state) {
        rowStates.set(e.payload.id, e.payload.state);
        schedule();
      }
    });
    getTransport().onReconnect(() => schedule());
  };

  return {
    list: [],
    jobIds: new Set(),
    openId: null,
    view: null,
    viewError: null,
    dialogOpen: false,
    setDialogOpen: (dialogOpen) => set({ dialogOpen }),
    async load() {
      ensureSync();
      const list = await call('batches.list', { folderId: null });
      const jobIds = new Set(list.flatMap((b) => b.jobIds));
      for (const id of rowStates.keys()) if (!jobIds.has(id)) rowStates.delete(id);
      set({ list, jobIds });
    },
    async open(id) {
      ensureSync();
      set({ openId: id, view: null, viewError: null });
      await refreshView(id);
    },
    close: () => set({ openId: null, view: null, viewError: null }),
    async act(id, action, opts = {}) {
      const view =
        action === 'retryFailed'
          ? await call('batches.retryFailed', {
              id,
              ...(opts.confirmPaid ? { confirmPaid: true } : {}),
              ...(opts.overrideBudget ? { overrideBudget: true } : {}),
            })
          : await call(`batches.${action}`, { id });
      if (get().openId === id) set({ view });
      await get().load();
    },
  };
});
