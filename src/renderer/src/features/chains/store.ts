/**
 * UI state of edit chains: the image being edited (the composer's first input), its mask, and which chain the
 * chain view shows. Server state (the chain itself) is fetched by the view and refreshed on `chain.changed`.
 */
import { create } from 'zustand';
import type { AssetSummary, BlobInfo } from '@shared/domain';
import { offersResponses, type ChainMethod } from '@shared/contracts/chains';
import { errorShape } from '../../i18n/format';
import { call } from '../../transport';
import { useToasts } from '../../store/toasts';

/** The MIME type of an asset dragged within the page (gallery tile, chain node): its JSON `AssetSummary`. */
export const ASSET_DRAG = 'application/x-atelier-asset';

interface ChainUiState {
  /** The image the next Generate edits (a new version of it), or null for a plain generation. */
  parent: AssetSummary | null;
  /** A staged mask for `parent` (OpenAI edits), with a preview data URL. */
  mask: { blob: BlobInfo; previewUrl: string } | null;
  maskEditorOpen: boolean;
  /** OpenAI edits: keep the model's context (Responses API) or edit the image (Images API, the default). */
  chainMethod: ChainMethod;
  setChainMethod(method: ChainMethod): void;
  /** The asset whose chain the chain view shows, or null when it is closed. */
  chainOf: string | null;
  /** Makes `asset` the composer's input (Edit); clears a mask made for another image. */
  edit(asset: AssetSummary): void;
  clearEdit(): void;
  setMaskEditorOpen(open: boolean): void;
  /** Uploads a painted mask (PNG, base64) for the parent; keeps it with its preview. */
  saveMask(pngBase64: string, previewUrl: string): Promise<boolean>;
  clearMask(): void;
  openChain(assetId: string): void;
  closeChain(): void;
}

export const useChainUi = create<ChainUiState>()((set, get) => ({
  parent: null,
  mask: null,
  maskEditorOpen: false,
  chainMethod: 'images',
  setChainMethod: (chainMethod) => set({ chainMethod }),
  chainOf: null,

  edit(asset) {
    const same = get().parent?.id === asset.id;
    set({ parent: asset, mask: same ? get().mask : null });
    // The composer is docked under the gallery: bring its prompt into view and focus it.
    requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>('.composer textarea')?.focus());
  },
  clearEdit: () => set({ parent: null, mask: null }),
  setMaskEditorOpen: (maskEditorOpen) => set({ maskEditorOpen }),
  async saveMask(pngBase64, previewUrl) {
    const parent = get().parent;
    if (!parent) return false;
    try {
      const blob = await call('chains.stageMask', { assetId: parent.id, dataBase64: pngBase64 });
      set({ mask: { blob, previewUrl } });
      return true;
    } catch (err) {
      useToasts.getState().error(errorShape(err));
      return false;
    }
  },
  clearMask: () => set({ mask: null }),
  openChain: (assetId) => set({ chainOf: assetId }),
  closeChain: () => set({ chainOf: null }),
}));

/**
 * The edit fields of `jobs.submit` for the current parent and mask (empty without a parent). The mask goes only
 * where the model takes one; `chainMethod: 'responses'` only where the provider and model offer it.
 */
export function editFields(
  takesMask: boolean,
  target?: { provider: string; model: string },
): { parentAssetId?: string; maskBlobId?: string; chainMethod?: ChainMethod } {
  const { parent, mask, chainMethod } = useChainUi.getState();
  if (!parent) return {};
  const responses = chainMethod === 'responses' && target !== undefined && offersResponses(target.provider, target.model);
  return {
    parentAssetId: parent.id,
    ...(mask && takesMask ? { maskBlobId: mask.blob.id } : {}),
    ...(responses ? { chainMethod: 'responses' as const } : {}),
  };
}
