/**
 * What the inspector shows of the selection: each image's organising fields and detail (recipe, cost), read in one
 * `assets.inspect` call for at most {@link INSPECT_MAX} images, re-read when the library says they changed.
 */
import { useCallback, useEffect, useState } from 'react';
import { INSPECT_MAX_IDS } from '@shared/contract';
import type { AssetDetail } from '@shared/domain';
import type { AppErrorShape } from '@shared/errors';
import type { AssetMeta } from '@shared/organise';
import { errorShape } from '../../i18n/format';
import { call, getTransport } from '../../transport';

/** The most images whose values the inspector reads (the common values are of these; edits go to all). */
export const INSPECT_MAX = INSPECT_MAX_IDS;

/** The images' fields, or null while loading; `error` when a read failed. */
export interface Inspected {
  metas: AssetMeta[] | null;
  details: AssetDetail[] | null;
  error: AppErrorShape | null;
  /** Re-reads at once (after an edit here). */
  reload(): void;
}

/** Reads `ids` (the first {@link INSPECT_MAX}) and keeps them current from `library.changed`. */
export function useInspected(ids: readonly string[]): Inspected {
  const [state, setState] = useState<Omit<Inspected, 'reload'>>({ metas: null, details: null, error: null });
  const [version, setVersion] = useState(0);
  const key = ids.slice(0, INSPECT_MAX).join(',');
  const reload = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => {
    const wanted = new Set(key ? key.split(',') : []);
    return getTransport().subscribe((e) => {
      if (e.name !== 'library.changed') return;
      const changed = (e.payload as { assetIds: string[] }).assetIds;
      if (changed.length === 0 || changed.some((id) => wanted.has(id))) setVersion((v) => v + 1);
    });
  }, [key]);

  useEffect(() => {
    const list = key ? key.split(',') : [];
    if (list.length === 0) return;
    let live = true;
    // One call for the whole selection (not two per image).
    call('assets.inspect', { ids: list })
      .then(({ items }) => live && setState({ metas: items.map((x) => x.meta), details: items.map((x) => x.detail), error: null }))
      .catch((err: unknown) => live && setState((s) => ({ ...s, error: errorShape(err) })));
    return () => {
      live = false;
    };
  }, [key, version]);

  return { ...state, reload };
}
