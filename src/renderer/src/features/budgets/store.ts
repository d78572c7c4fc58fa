import { create } from 'zustand';

/** The project whose budget dialog is open. */
export interface BudgetTarget {
  projectId: string;
  projectName: string;
}

interface BudgetUiState {
  /** Bumped after a budget is saved, so views showing budget use read it again. */
  version: number;
  dialog: BudgetTarget | null;
  open(target: BudgetTarget): void;
  close(): void;
  changed(): void;
}

/** The budget dialog's target (opened from the sidebar's project menu or the spend view) and a change counter. */
export const useBudgetUi = create<BudgetUiState>()((set) => ({
  version: 0,
  dialog: null,
  open: (dialog) => set({ dialog }),
  close: () => set({ dialog: null }),
  changed: () => set((s) => ({ version: s.version + 1 })),
}));
