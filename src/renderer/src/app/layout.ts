/**
 * Which panels of the window are shown: the sidebar (projects and folders) and the composer. Each collapses so the
 * grid can take the window (issue 11), by its button in the top bar or its key (Ctrl/⌘+\ and Ctrl/⌘+Shift+\, see
 * lib/keys.ts), and stays as left across restarts (lib/persist, keys `sidebarOpen` and `composerOpen`).
 */
import { useEffect } from 'react';
import { create } from 'zustand';
import { useChainUi } from '../features/chains/store';
import { matchesShortcut } from '../lib/keys';
import { useComposer } from '../store/composer';
import { loadPref, savePref } from '../lib/persist';

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';

/** The panels' state and their toggles (each toggle saves the new state). */
export interface LayoutState {
  sidebarOpen: boolean;
  composerOpen: boolean;
  toggleSidebar(): void;
  toggleComposer(): void;
}

export const useLayout = create<LayoutState>()((set, get) => ({
  sidebarOpen: loadPref('sidebarOpen', true, isBool),
  composerOpen: loadPref('composerOpen', true, isBool),
  toggleSidebar: () => {
    const sidebarOpen = !get().sidebarOpen;
    savePref('sidebarOpen', sidebarOpen);
    set({ sidebarOpen });
  },
  toggleComposer: () => {
    const composerOpen = !get().composerOpen;
    savePref('composerOpen', composerOpen);
    set({ composerOpen });
  },
}));

/**
 * A collapsed composer opens again when something is put into it (Edit on an image, "Use these settings", a
 * reference dragged in): its input must not change out of sight.
 */
function useComposerOpensOnInput(): void {
  useEffect(() => {
    const open = (): void => {
      if (!useLayout.getState().composerOpen) useLayout.getState().toggleComposer();
    };
    const offChain = useChainUi.subscribe((s, prev) => {
      if (s.parent !== prev.parent && s.parent) open();
    });
    const offComposer = useComposer.subscribe((s, prev) => {
      if (s.prompt !== prev.prompt || s.references !== prev.references || s.model !== prev.model) open();
    });
    return () => {
      offChain();
      offComposer();
    };
  }, []);
}

/**
 * The panel keys, on the whole window (in a text field too: Ctrl+\ types nothing), not while a dialog is open.
 * Where a panel held focus when it closes, focus goes to the grid rather than to the page.
 */
export function useLayoutKeys(): void {
  useComposerOpensOnInput();
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.isComposing) return;
      const which = matchesShortcut(e, 'toggleSidebar') ? 'sidebar' : matchesShortcut(e, 'toggleComposer') ? 'composer' : null;
      if (!which) return;
      if (document.querySelector('[role="dialog"], [role="alertdialog"], [role="menu"]')) return;
      e.preventDefault();
      const panel = document.querySelector(which === 'sidebar' ? '.sidebar' : '.composer');
      const hadFocus = panel?.contains(document.activeElement) ?? false;
      if (which === 'sidebar') useLayout.getState().toggleSidebar();
      else useLayout.getState().toggleComposer();
      if (hadFocus) {
        requestAnimationFrame(() => {
          const grid = document.querySelector<HTMLElement>('.grid-scroll');
          const target = grid?.querySelector<HTMLElement>('[data-tile-index][tabindex="0"]') ?? grid;
          target?.focus({ preventScroll: true });
        });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
