import { create } from 'zustand';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../i18n/format';

/** A passing message: either an i18n key (with values) or an error to describe in the user's language. */
export interface Toast {
  id: number;
  kind: 'info' | 'error';
  messageKey?: string;
  values?: Record<string, unknown>;
  error?: AppErrorShape;
}

interface ToastsState {
  toasts: Toast[];
  info(messageKey: string, values?: Record<string, unknown>): void;
  error(err: unknown): void;
  dismiss(id: number): void;
}

let nextId = 1;
const LIFETIME_MS = { info: 4_000, error: 10_000 } as const;

export const useToasts = create<ToastsState>()((set, get) => {
  const push = (toast: Omit<Toast, 'id'>): void => {
    const id = nextId++;
    set((s) => ({ toasts: [...s.toasts.slice(-4), { ...toast, id }] }));
    setTimeout(() => get().dismiss(id), LIFETIME_MS[toast.kind]);
  };
  return {
    toasts: [],
    info: (messageKey, values) => push({ kind: 'info', messageKey, ...(values ? { values } : {}) }),
    error: (err) => push({ kind: 'error', error: errorShape(err) }),
    dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
  };
});
