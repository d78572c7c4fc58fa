import { create } from 'zustand';
import { ACTIVE_JOB_STATES, type JobView, type PauseScope, type QueueState } from '@shared/domain';
import { errorShape } from '../i18n/format';
import { loadPref, savePref } from '../lib/persist';
import { call } from '../transport';
import type { AppErrorShape } from '@shared/errors';
import { useToasts } from './toasts';

interface JobsState {
  byId: Record<string, JobView>;
  loaded: boolean;
  error: AppErrorShape | null;
  /** Failed jobs the user dismissed from the gallery (they stay in the queue drawer). */
  dismissed: Record<string, true>;
  drawerOpen: boolean;
  /** Pauses and 429 cool-downs; null until read. */
  queue: QueueState | null;
  /**
   * Live previews: the latest partial image of each job being made (a `job.partial` event: a small WebP data URL),
   * shown in its tile; dropped as soon as the job is no longer on its way. Never stored anywhere.
   */
  partials: Record<string, { index: number; image: string }>;
  /** A `job.partial` event. */
  applyPartial(partial: { jobId: string; index: number; image: string }): void;
  load(): Promise<void>;
  loadQueue(): Promise<void>;
  setQueue(queue: QueueState): void;
  /** The four below report failures as toasts (retry returns a budget refusal instead). */
  pause(scope: PauseScope): Promise<void>;
  resume(scope: PauseScope): Promise<void>;
  cancel(id: string): Promise<void>;
  /**
   * Retries job `id` (`jobs.retry`). `confirmPaid`: the user confirmed paying again for a job that may have been
   * charged (see src/shared/jobs.ts). A refusal by the project's budget is returned (`budget_exceeded`, for the
   * caller's over-budget dialog, which sends it again with `overrideBudget`); any other error is shown as a toast.
   */
  retry(id: string, opts?: { confirmPaid?: boolean; overrideBudget?: boolean }): Promise<AppErrorShape | null>;
  /** A `job.updated` event. */
  applyEvent(job: JobView): void;
  /** A reply to a request made when the event counter read `mark` (see {@link eventMark}). */
  applyReply(job: JobView, mark: number): void;
  dismiss(id: string): void;
  setDrawerOpen(open: boolean): void;
}

const isFlags = (v: unknown): v is Record<string, true> => !!v && typeof v === 'object' && !Array.isArray(v);

/*
 * Events arrive in order and always win. A reply (list, submit, cancel, retry) was true when it was made, so it is
 * applied only where no event about that job arrived after the request went out.
 */
let eventSeq = 0;
const lastEvent = new Map<string, number>();
const newerEventSince = (id: string, mark: number): boolean => (lastEvent.get(id) ?? -1) >= mark;

/** Read before sending a request whose reply is a job view. */
export const eventMark = (): number => eventSeq;

export const isActive = (job: JobView): boolean => ACTIVE_JOB_STATES.includes(job.state);

export const useJobs = create<JobsState>()((set, get) => ({
  byId: {},
  loaded: false,
  error: null,
  dismissed: loadPref('dismissedJobs', {}, isFlags),
  drawerOpen: loadPref('queueOpen', false, (v): v is boolean => typeof v === 'boolean'),
  queue: null,
  partials: {},

  applyPartial({ jobId, index, image }) {
    const job = get().byId[jobId];
    // A partial that arrives after its job ended (or for a job this window does not list) shows nothing.
    if (job && !isActive(job)) return;
    const prev = get().partials[jobId];
    if (prev && prev.index > index) return;
    set((s) => ({ partials: { ...s.partials, [jobId]: { index, image } } }));
  },

  async loadQueue() {
    try {
      set({ queue: await call('queue.state', {}) });
    } catch {
      // Older hosts have no queue controls; the drawer simply shows none.
    }
  },
  setQueue: (queue) => set({ queue }),
  async pause(scope) {
    try {
      set({ queue: await call('queue.pause', { scope }) });
    } catch (err) {
      useToasts.getState().error(err);
    }
  },
  async resume(scope) {
    try {
      set({ queue: await call('queue.resume', { scope }) });
    } catch (err) {
      useToasts.getState().error(err);
    }
  },
  async cancel(id) {
    const mark = eventMark();
    try {
      get().applyReply(await call('jobs.cancel', { id }), mark);
    } catch (err) {
      useToasts.getState().error(err);
    }
  },
  async retry(id, opts = {}) {
    const mark = eventMark();
    try {
      const job = await call('jobs.retry', {
        id,
        ...(opts.confirmPaid ? { confirmPaid: true } : {}),
        ...(opts.overrideBudget ? { overrideBudget: true } : {}),
      });
      // A retried job is a new attempt: show it again even if its failure had been dismissed.
      const dismissed = { ...get().dismissed };
      delete dismissed[id];
      set({ dismissed });
      savePref('dismissedJobs', dismissed);
      get().applyReply(job, mark);
      return null;
    } catch (err) {
      const shape = errorShape(err);
      if (shape.code === 'budget_exceeded') return shape;
      useToasts.getState().error(err);
      return null;
    }
  },

  async load() {
    const mark = eventMark();
    try {
      const list = await call('jobs.list', { folderId: null, activeOnly: false });
      set((s) => {
        const byId: Record<string, JobView> = { ...s.byId };
        for (const j of list) if (!newerEventSince(j.id, mark)) byId[j.id] = j;
        return { byId, loaded: true, error: null };
      });
    } catch (err) {
      set({ loaded: true, error: errorShape(err) });
    }
  },

  applyEvent(job) {
    lastEvent.set(job.id, eventSeq++);
    set((s) => ({ byId: { ...s.byId, [job.id]: job }, partials: withoutEnded(s.partials, job) }));
  },

  applyReply(job, mark) {
    if (newerEventSince(job.id, mark)) return;
    set((s) => ({ byId: { ...s.byId, [job.id]: job }, partials: withoutEnded(s.partials, job) }));
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

/** `partials` without the preview of `job` where it is no longer on its way (its final image, or why not, replaces it). */
function withoutEnded(partials: JobsState['partials'], job: JobView): JobsState['partials'] {
  if (isActive(job) || !(job.id in partials)) return partials;
  const next = { ...partials };
  delete next[job.id];
  return next;
}

/** Newest first. */
export const sortJobs = (jobs: Iterable<JobView>): JobView[] => [...jobs].sort((a, b) => b.createdAt - a.createdAt);
