import { create } from 'zustand';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../i18n/format';

/** An i18n key with its values, translated when shown. */
export interface ToastText {
  key: string;
  values?: Record<string, unknown>;
}

/** A button on a toast (e.g. Redo after an undo): its i18n label and what it does; the toast closes after. */
export interface ToastAction {
  labelKey: string;
  run(): void;
}

/**
 * A passing message: either an i18n key (with values) or an error to describe in the user's language. `what` is
 * translated first and passed to the message as `{{what}}` ("Undid: {{what}}").
 */
export interface Toast {
  id: number;
  kind: 'info' | 'error';
  messageKey?: string;
  values?: Record<string, unknown>;
  error?: AppErrorShape;
  what?: ToastText;
  action?: ToastAction;
}

interface ToastsState {
  toasts: Toast[];
  info(messageKey: string, values?: Record<string, unknown>, extra?: { what?: ToastText; action?: ToastAction }): void;
  error(err: unknown): void;
  dismiss(id: number): void;
}

let nextId = 1;
const LIFETIME_MS = { info: 4_000, error: 10_000 } as const;
const ACTION_LIFETIME_MS = 8_000;

export const useToasts = create<ToastsState>()((set, get) => {
  const push = (toast: Omit<Toast, 'id'>): void => {
    const id = nextId++;
    set((s) => ({ toasts: [...s.toasts.slice(-4), { ...toast, id }] }));
    // A toast with a button stays long enough to reach it.
    setTimeout(() => get().dismiss(id), toast.action ? ACTION_LIFETIME_MS : LIFETIME_MS[toast.kind]);
  };
  return {
    toasts: [],
    info: (messageKey, values, extra) => push({ kind: 'info', messageKey, ...(values ? { values } : {}), ...extra }),
    error: (err) => push({ kind: 'error', error: errorShape(err) }),
    dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
  };
});
