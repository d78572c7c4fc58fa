import { create } from 'zustand';
import { ACTIVE_JOB_STATES, JOB_STATES, type JobView } from '../../../shared/domain';
import { errorShape } from '../i18n/format';
import { loadPref, savePref } from '../lib/persist';
import { call } from '../transport';
import type { AppErrorShape } from '../../../shared/errors';

interface JobsState {
  byId: Record<string, JobView>;
  loaded: boolean;
  error: AppErrorShape | null;
  /** Failed jobs the user dismissed from the gallery (they stay in the queue drawer). */
  dismissed: Record<string, true>;
  drawerOpen: boolean;
  load(): Promise<void>;
  upsert(job: JobView): void;
  dismiss(id: string): void;
  setDrawerOpen(open: boolean): void;
}

const isFlags = (v: unknown): v is Record<string, true> => !!v && typeof v === 'object' && !Array.isArray(v);

/** How far along a job is, to pick the newer of two views of it. */
function rank(job: JobView): number {
  const order = JOB_STATES.indexOf(job.state);
  return Math.min(order, 4) * 1e6 + job.assetIds.length * 1e3 + (job.progress ?? 0);
}

export const isActive = (job: JobView): boolean => ACTIVE_JOB_STATES.includes(job.state);

export const useJobs = create<JobsState>()((set, get) => ({
  byId: {},
  loaded: false,
  error: null,
  dismissed: loadPref('dismissedJobs', {}, isFlags),
  drawerOpen: loadPref('queueOpen', false, (v): v is boolean => typeof v === 'boolean'),

  async load() {
    try {
      const list = await call('jobs.list', { folderId: null, activeOnly: false });
      // An event may have brought a newer state while the list was on its way: keep the furthest along.
      set((s) => {
        const byId: Record<string, JobView> = { ...s.byId };
        for (const j of list) {
          const seen = byId[j.id];
          if (!seen || rank(j) >= rank(seen)) byId[j.id] = j;
        }
        return { byId, loaded: true, error: null };
      });
    } catch (err) {
      set({ loaded: true, error: errorShape(err) });
    }
  },

  upsert(job) {
    // The reply to `jobs.submit` can arrive after the job's first events: never step a job backwards.
    set((s) => {
      const seen = s.byId[job.id];
      if (seen && rank(seen) > rank(job)) return s;
      return { byId: { ...s.byId, [job.id]: job } };
    });
  },

  dismiss(id) {
    const dismissed: Record<string, true> = { ...get().dismissed, [id]: true };
    // Only ids of jobs that still exist are worth keeping.
    for (const k of Object.keys(dismissed)) if (!get().byId[k]) delete dismissed[k];
    set({ dismissed });
    savePref('dismissedJobs', dismissed);
  },

  setDrawerOpen(open) {
    set({ drawerOpen: open });
    savePref('queueOpen', open);
  },
}));

/** Newest first. */
export const sortJobs = (jobs: Iterable<JobView>): JobView[] => [...jobs].sort((a, b) => b.createdAt - a.createdAt);
