/** Whether the inspector (the right-hand panel of the gallery's selection) is open; remembered across starts. */
import { create } from 'zustand';
import { loadPref, savePref } from '../../lib/persist';

interface InspectorUiState {
  open: boolean;
  toggle(): void;
}

export const useInspectorUi = create<InspectorUiState>()((set, get) => ({
  open: loadPref('inspectorOpen', true, (v): v is boolean => typeof v === 'boolean'),
  toggle: () => {
    const open = !get().open;
    savePref('inspectorOpen', open);
    set({ open });
  },
}));

/** True when a key press belongs to a text field, a menu or a dialog rather than to the window's shortcuts. */
export function isTypingOrModal(e: KeyboardEvent): boolean {
  const el = e.target instanceof HTMLElement ? e.target : null;
  if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return true;
  return document.querySelector('[role="dialog"], [role="alertdialog"], [role="menu"]') !== null;
}
