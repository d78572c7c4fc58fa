import { useRef } from 'react';

/**
 * Radix dialogs opened without a `Dialog.Trigger` return focus to nothing when they close. This remembers what
 * had focus when the dialog opened and puts focus back there (or on `fallback()` when that element is gone).
 */
export function useReturnFocus(
  fallback?: () => HTMLElement | null,
  /** Tried first: an element that is a better place to return to than the one that opened the dialog. */
  prefer?: () => HTMLElement | null,
): {
  onOpenAutoFocus(e: Event): void;
  onCloseAutoFocus(e: Event): void;
} {
  const returnTo = useRef<HTMLElement | null>(null);
  return {
    onOpenAutoFocus() {
      const active = document.activeElement;
      returnTo.current = active instanceof HTMLElement && active !== document.body ? active : null;
    },
    onCloseAutoFocus(e) {
      const remembered = returnTo.current;
      returnTo.current = null;
      const target = prefer?.() ?? (remembered?.isConnected ? remembered : (fallback?.() ?? null));
      if (target) {
        e.preventDefault();
        target.focus();
      }
    },
  };
}
