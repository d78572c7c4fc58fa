/**
 * Long-running operations of the main process (import, export, integrity check, thumbnail rebuild, backup) as
 * tracked tasks: each has an id, a kind, progress (`done` of `total` items, the item under way), a state and,
 * when it ends, a report. Every change is published as a `task.updated` event (throttled while running); a task
 * is canceled through its AbortSignal, and the runner decides where it is safe to stop.
 */
import { randomUUID } from 'node:crypto';
import type { TaskKind, TaskReport, TaskView } from '@shared/contracts/transfer';
import { AppError, toAppError } from '@shared/errors';

/** What a running task's body gets: its signal and a way to report progress. */
export interface TaskContext {
  readonly id: string;
  readonly signal: AbortSignal;
  /**
   * Reports progress: `done` items finished of `total` (null while unknown), `current` the item under way.
   * Cheap to call per item: events are throttled.
   */
  progress(done: number, total: number | null, current?: string | null): void;
}

/** The body of a task: resolves with its report (also when it stopped early because of cancel). */
export type TaskBody = (ctx: TaskContext) => Promise<TaskReport>;

/** Construction options of {@link TaskRegistry}. */
export interface TaskRegistryOptions {
  /** Receives every task change (the app publishes it as `task.updated`). */
  publish(view: TaskView): void;
  /** Least time between two progress events of one task, ms. Default 100. */
  throttleMs?: number;
  /** How many finished tasks are remembered for `tasks.get` (and {@link TaskRegistry.list}). Default 20. */
  keepFinished?: number;
}

interface Entry {
  view: TaskView;
  controller: AbortController;
  lastSent: number;
  timer: NodeJS.Timeout | null;
  promise: Promise<TaskView>;
}

/** The registry of running and recently finished tasks. */
export class TaskRegistry {
  private readonly tasks = new Map<string, Entry>();
  private readonly publish: (view: TaskView) => void;
  private readonly throttleMs: number;
  private readonly keepFinished: number;

  constructor(opts: TaskRegistryOptions) {
    this.publish = opts.publish;
    this.throttleMs = opts.throttleMs ?? 100;
    this.keepFinished = opts.keepFinished ?? 20;
  }

  /**
   * Starts `body` as a task of `kind` and returns its first view at once (state `running`). The body's report
   * ends the task as `completed`, or `canceled` when the signal fired; a thrown error ends it as `failed` with the
   * error (an AppError `canceled` counts as canceled).
   */
  start(kind: TaskKind, label: string, body: TaskBody): TaskView {
    const id = randomUUID();
    const controller = new AbortController();
    const view: TaskView = {
      id,
      kind,
      label,
      state: 'running',
      done: 0,
      total: null,
      current: null,
      startedAt: Date.now(),
      endedAt: null,
      error: null,
      report: null,
    };
    const entry: Entry = { view, controller, lastSent: 0, timer: null, promise: Promise.resolve(view) };
    this.tasks.set(id, entry);
    const ctx: TaskContext = {
      id,
      signal: controller.signal,
      progress: (done, total, current = null) => {
        entry.view = { ...entry.view, done, total, current };
        this.schedule(entry);
      },
    };
    entry.promise = (async () => {
      // Let the caller have the first view before any progress is published.
      await Promise.resolve();
      try {
        const report = await body(ctx);
        this.finish(entry, controller.signal.aborted ? 'canceled' : 'completed', null, report);
      } catch (err) {
        const e = toAppError(err);
        const canceled = e.code === 'canceled';
        this.finish(entry, canceled ? 'canceled' : 'failed', canceled ? null : e.toShape(), null);
      }
      return entry.view;
    })();
    this.publish(view);
    return view;
  }

  /** The task's current view. @throws AppError `not_found` for an unknown (or long forgotten) id */
  get(id: string): TaskView {
    const entry = this.tasks.get(id);
    if (!entry) throw new AppError('not_found', `no task with id ${id}`, { params: { id } });
    return entry.view;
  }

  /** Running tasks and the most recent finished ones, oldest first. */
  list(): TaskView[] {
    return [...this.tasks.values()].map((e) => e.view);
  }

  /**
   * Asks a running task to stop; it ends as `canceled` once its body returns. A finished task is left as it is.
   * @throws AppError `not_found` for an unknown id
   */
  cancel(id: string): TaskView {
    const entry = this.tasks.get(id);
    if (!entry) throw new AppError('not_found', `no task with id ${id}`, { params: { id } });
    if (entry.view.state === 'running') entry.controller.abort();
    return entry.view;
  }

  /** Resolves with the task's final view once it has ended. @throws AppError `not_found` */
  wait(id: string): Promise<TaskView> {
    const entry = this.tasks.get(id);
    if (!entry) throw new AppError('not_found', `no task with id ${id}`, { params: { id } });
    return entry.promise;
  }

  /** Cancels every running task and waits for them to end (app shutdown). */
  async stopAll(): Promise<void> {
    const running = [...this.tasks.values()].filter((e) => e.view.state === 'running');
    for (const e of running) e.controller.abort();
    await Promise.all(running.map((e) => e.promise));
  }

  private schedule(entry: Entry): void {
    if (entry.timer) return;
    const wait = Math.max(0, entry.lastSent + this.throttleMs - Date.now());
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (entry.view.state !== 'running') return;
      entry.lastSent = Date.now();
      this.publish(entry.view);
    }, wait);
  }

  private finish(entry: Entry, state: TaskView['state'], error: TaskView['error'], report: TaskReport | null): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.view = { ...entry.view, state, error, report, endedAt: Date.now(), current: null };
    this.publish(entry.view);
    const finished = [...this.tasks.values()].filter((e) => e.view.state !== 'running');
    for (const old of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) this.tasks.delete(old.view.id);
  }
}

/** Throws AppError `canceled` when the signal has fired (for bodies that stop by throwing). */
export function throwIfCanceled(signal: AbortSignal): void {
  if (signal.aborted) throw new AppError('canceled', 'the task was canceled');
}
