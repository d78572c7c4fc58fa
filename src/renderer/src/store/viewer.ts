import { create } from 'zustand';
import type { AssetDetail } from '@shared/domain';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../i18n/format';
import { call } from '../transport';

export type DetailEntry = { status: 'loading' } | { status: 'ok'; detail: AssetDetail } | { status: 'error'; error: AppErrorShape };

interface ViewerState {
  assetId: string | null;
  zoom: 'fit' | 'actual';
  details: Record<string, DetailEntry>;
  open(assetId: string): void;
  close(): void;
  setZoom(zoom: 'fit' | 'actual'): void;
  fetchDetail(assetId: string): Promise<void>;
}

export const useViewer = create<ViewerState>()((set, get) => ({
  assetId: null,
  zoom: 'fit',
  details: {},

  open(assetId) {
    set({ assetId });
    void get().fetchDetail(assetId);
  },
  close: () => set({ assetId: null }),
  setZoom: (zoom) => set({ zoom }),

  async fetchDetail(assetId) {
    const seen = get().details[assetId];
    if (seen && seen.status !== 'error') return;
    set((s) => ({ details: { ...s.details, [assetId]: { status: 'loading' } } }));
    try {
      const detail = await call('assets.get', { id: assetId });
      set((s) => ({ details: { ...s.details, [assetId]: { status: 'ok', detail } } }));
    } catch (err) {
      set((s) => ({ details: { ...s.details, [assetId]: { status: 'error', error: errorShape(err) } } }));
    }
  },
}));
