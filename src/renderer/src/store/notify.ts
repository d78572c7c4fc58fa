/**
 * Notifications and the running-jobs badge (issue 11).
 *
 * A job (completed, failed, expired; not one the user canceled) or a long task (import, export, backup, library
 * check, thumbnails) that finishes while the window is in the background — hidden, minimised, or another window in
 * front (`document.visibilityState`, `document.hasFocus()`) — is told:
 * - in the desktop app through the shell's Electron `Notification` (the preload's `notify`; it needs no permission);
 * - in a browser through the Notification API (https://developer.mozilla.org/docs/Web/API/Notification), only once
 *   the user allowed it from Settings ({@link requestNotifications}; never asked on load).
 * Only changes seen while this window runs are told: what finished before it opened is not.
 *
 * The badge: the queue toggle in the top bar shows how many jobs are still running (features/jobs/QueueToggle.tsx);
 * the desktop app also puts that count on the dock or taskbar icon (`app.setBadgeCount` through the preload's
 * `setBadgeCount`), and a browser that has the Badging API (an installed web app) on its icon.
 */
import { create } from 'zustand';
import type { TaskView } from '@shared/contracts/transfer';
import type { JobView } from '@shared/domain';
import { i18n } from '../i18n';
import { isActive, useJobs } from './jobs';
import { useTransfer } from './transfer';

/** Whether this window can notify: the browser's permission, or `desktop` (the shell notifies, no permission). */
export type NotifyPermission = 'granted' | 'denied' | 'default' | 'unsupported' | 'desktop';

interface NotifyState {
  permission: NotifyPermission;
}

const bridge = (): Window['atelier'] | undefined => (typeof window !== 'undefined' ? window.atelier : undefined);

function currentPermission(): NotifyPermission {
  if (bridge()) return 'desktop';
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.permission;
}

export const useNotify = create<NotifyState>()(() => ({ permission: typeof window === 'undefined' ? 'unsupported' : currentPermission() }));

/** Asks the browser for permission to notify (from a click in Settings); resolves with the answer. */
export async function requestNotifications(): Promise<NotifyPermission> {
  if (currentPermission() === 'default') {
    try {
      await Notification.requestPermission();
    } catch {
      // Older engines take a callback only; the permission read below says what happened.
    }
  }
  const permission = currentPermission();
  useNotify.setState({ permission });
  return permission;
}

/** True when the user is not looking at this window. */
export function inBackground(): boolean {
  return document.visibilityState === 'hidden' || !document.hasFocus();
}

/** Longest body, in characters (prompts are cut with an ellipsis). */
const BODY_MAX = 140;
const cut = (s: string): string => (s.length > BODY_MAX ? `${s.slice(0, BODY_MAX - 1)}…` : s);

/** The title and body for a job that just finished, or null when it is not worth telling (canceled). */
export function jobNotice(job: JobView): { title: string; body: string } | null {
  const t = i18n.t.bind(i18n);
  if (job.state === 'completed') return { title: t('notify.jobDone', { count: job.assetIds.length }), body: cut(job.prompt) };
  if (job.state === 'failed') return { title: t('notify.jobFailed'), body: cut(job.prompt) };
  if (job.state === 'expired') return { title: t('notify.jobExpired'), body: cut(job.prompt) };
  return null;
}

/** The title and body for a task that just ended, or null when it was canceled. */
export function taskNotice(task: TaskView): { title: string; body: string } | null {
  const t = i18n.t.bind(i18n);
  if (task.state === 'completed') return { title: t(`notify.task_${task.kind}`), body: cut(task.label) };
  if (task.state === 'failed') return { title: t(`notify.taskFailed_${task.kind}`), body: cut(task.label) };
  return null;
}

/** Shows a notice if the window is in the background and the user allowed it (browser) or always (desktop). */
function tell(notice: { title: string; body: string } | null, tag: string): void {
  if (!notice || !inBackground()) return;
  const b = bridge();
  if (b) {
    b.notify(notice.title, notice.body);
    return;
  }
  if (currentPermission() !== 'granted') return;
  try {
    const n = new Notification(notice.title, { body: notice.body, tag, lang: i18n.language });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    // Some browsers allow notifications only from a service worker; the in-window toasts still show.
  }
}

function setBadge(count: number): void {
  const b = bridge();
  if (b) {
    b.setBadgeCount(count);
    return;
  }
  const nav = navigator as Navigator & { setAppBadge?: (n?: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
  if (count > 0) nav.setAppBadge?.(count).catch(() => {});
  else nav.clearAppBadge?.().catch(() => {});
}

/** Watches jobs and tasks for the window's lifetime; returns the stop function. */
export function startNotifications(): () => void {
  useNotify.setState({ permission: currentPermission() });
  let badge = -1;
  const offJobs = useJobs.subscribe((s, prev) => {
    let running = 0;
    for (const job of Object.values(s.byId)) {
      if (isActive(job)) running++;
      const was = prev.byId[job.id];
      if (was && isActive(was) && !isActive(job)) tell(jobNotice(job), `job-${job.id}`);
    }
    if (running !== badge) {
      badge = running;
      setBadge(running);
    }
  });
  const offTasks = useTransfer.subscribe((s, prev) => {
    for (const task of Object.values(s.tasks)) {
      const was = prev.tasks[task.id];
      if (was?.state === 'running' && task.state !== 'running') tell(taskNotice(task), `task-${task.id}`);
    }
  });
  // The permission can change in the browser's site settings while the page is open.
  const onVisible = (): void => useNotify.setState({ permission: currentPermission() });
  document.addEventListener('visibilitychange', onVisible);
  return () => {
    offJobs();
    offTasks();
    document.removeEventListener('visibilitychange', onVisible);
  };
}
