/**
 * Images from the library as composer inputs: an asset dragged from the gallery or the chain view (HTML5 drag of
 * its id within the page) becomes a reference chip without re-reading any file — its bytes are already stored.
 */
import { AppError } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { currentCapability, useComposer } from '../../store/composer';
import { call } from '../../transport';
import { ASSET_DRAG } from './store';

let seq = 0;

/** True when a drag carries a library asset. */
export function isAssetDrag(types: readonly string[]): boolean {
  return types.includes(ASSET_DRAG);
}

/**
 * Adds the dragged asset (payload of {@link ASSET_DRAG}: JSON with at least `id`) as the next reference, within the
 * model's input limit and byte limit; a refusal is listed like a refused file.
 */
export async function addAssetInput(payload: string): Promise<void> {
  let id: string;
  try {
    id = String((JSON.parse(payload) as { id?: unknown }).id ?? '');
  } catch {
    return;
  }
  if (!id) return;
  const key = `asset-${Date.now().toString(36)}-${(seq++).toString(36)}`;
  const st = useComposer.getState();
  const cap = currentCapability(st);
  try {
    const a = await call('assets.get', { id });
    const name = `${(a.prompt?.trim() || 'image').slice(0, 40)}.${a.blob.mime.split('/')[1]}`;
    if (st.references.length >= cap.maxReferenceImages) {
      useComposer.setState((s) => ({ refErrors: [...s.refErrors, { key, name, kind: 'tooMany', max: cap.maxReferenceImages }] }));
      return;
    }
    if (a.blob.bytes > cap.maxReferenceBytes) {
      throw new AppError('bad_file', `${name} is larger than the limit`, { params: { name, reason: 'too_large', maxBytes: cap.maxReferenceBytes } });
    }
    useComposer.setState((s) => ({ references: [...s.references, { key, name, previewUrl: null, staged: { ...a.blob, name } }] }));
  } catch (err) {
    useComposer.setState((s) => ({ refErrors: [...s.refErrors, { key, name: id, kind: 'error', error: errorShape(err) }] }));
  }
}
