/**
 * Reference kits in the window: the list (read afresh on `kits.changed`-worthy actions here), and a kit added to the
 * composer in one action, as staged references (their bytes are already stored), within the model's limits.
 */
import { create } from 'zustand';
import type { KitView } from '@shared/contracts/kits';
import { AppError } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { currentCapability, useComposer } from '../../store/composer';
import { useToasts } from '../../store/toasts';
import { call } from '../../transport';

interface KitsState {
  kits: KitView[] | null;
  load(): Promise<void>;
}

/** The kits, by name; null until first read. */
export const useKits = create<KitsState>()((set) => ({
  kits: null,
  async load() {
    try {
      set({ kits: await call('kits.list', {}) });
    } catch (err) {
      useToasts.getState().error(err);
    }
  },
}));

let seq = 0;

/**
 * Adds every image of the kit to the composer's references, after those already there; an image already staged is
 * not added twice; one over the model's count or byte limit is listed as refused, like a refused file.
 */
export function addKitToComposer(kit: KitView): void {
  const st = useComposer.getState();
  const cap = currentCapability(st);
  const have = new Set(st.references.map((r) => r.staged?.id));
  const refs = [...st.references];
  const errors = [...st.refErrors];
  for (const item of kit.items) {
    if (have.has(item.id)) continue;
    const key = `kit-${Date.now().toString(36)}-${(seq++).toString(36)}`;
    if (refs.length >= cap.maxReferenceImages) {
      errors.push({ key, name: item.name, kind: 'tooMany', max: cap.maxReferenceImages });
      continue;
    }
    if (item.bytes > cap.maxReferenceBytes) {
      const err = new AppError('bad_file', `${item.name} is larger than the limit`, { params: { name: item.name, reason: 'too_large', maxBytes: cap.maxReferenceBytes } });
      errors.push({ key, name: item.name, kind: 'error', error: errorShape(err) });
      continue;
    }
    refs.push({ key, name: item.name, previewUrl: null, staged: item });
    have.add(item.id);
  }
  useComposer.setState({ references: refs, refErrors: errors });
}
