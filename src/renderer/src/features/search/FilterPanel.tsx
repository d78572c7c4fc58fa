import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { PROVIDER_IDS, type ProviderId } from '@shared/capabilities';
import type { AssetFilters } from '@shared/organise';
import { useSearch } from '../../store/search';
import { DateField } from '../../ui/DateField';
import { TagModelFilters } from './TagModelFilters';

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` (local) of an epoch-ms time, for a date input. */
function toDateInput(ms: number | null | undefined): string {
  if (ms == null) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Start of a local day from a date input, epoch ms; null when empty. */
function fromDateInput(v: string): number | null {
  if (!v) return null;
  const [y, m, d] = v.split('-').map(Number);
  return new Date(y!, (m ?? 1) - 1, d ?? 1).getTime();
}

/** The filters of the search (provider, date range, rating, flag, cost, kind, references, content credentials); every control labelled. */
export function FilterPanel({ id, onChange }: { id: string; onChange(): void }) {
  const { t } = useTranslation();
  const f = useSearch((s) => s.filters);
  const uid = useId();
  const set = (patch: Partial<AssetFilters>): void => {
    useSearch.getState().setFilters(patch);
    onChange();
  };
  const field = (name: string) => `${uid}-${name}`;
  return (
    <div id={id} className="filter-panel" role="group" aria-label={t('search.filters')}>
      <label htmlFor={field('provider')}>{t('search.provider')}</label>
      <select
        id={field('provider')}
        className="input select-sm"
        value={f.providers?.[0] ?? ''}
        onChange={(e) => set({ providers: e.target.value ? [e.target.value as ProviderId] : undefined })}
      >
        <option value="">{t('search.any')}</option>
        {PROVIDER_IDS.map((p) => (
          <option key={p} value={p}>
            {t(`providers.${p}`)}
          </option>
        ))}
      </select>

      <TagModelFilters field={field} onChange={onChange} />

      <label htmlFor={field('rating')}>{t('search.minRating')}</label>
      <select
        id={field('rating')}
        className="input select-sm"
        value={f.minRating ?? 0}
        onChange={(e) => set({ minRating: Number(e.target.value) || undefined })}
      >
        {[0, 1, 2, 3, 4, 5].map((r) => (
          <option key={r} value={r}>
            {r === 0 ? t('search.any') : t('organise.stars', { count: r })}
          </option>
        ))}
      </select>

      <label htmlFor={field('flag')}>{t('search.flag')}</label>
      <select
        id={field('flag')}
        className="input select-sm"
        value={f.flags?.length === 1 ? String(f.flags[0]) : ''}
        onChange={(e) => set({ flags: e.target.value === '' ? undefined : [Number(e.target.value) as -1 | 0 | 1] })}
      >
        <option value="">{t('search.any')}</option>
        <option value="1">{t('organise.pick')}</option>
        <option value="0">{t('organise.unflagged')}</option>
        <option value="-1">{t('organise.reject')}</option>
      </select>

      <label htmlFor={field('kind')}>{t('search.kind')}</label>
      <select
        id={field('kind')}
        className="input select-sm"
        value={f.kinds?.[0] ?? ''}
        onChange={(e) => set({ kinds: e.target.value ? [e.target.value as 'generated' | 'edited' | 'imported'] : undefined })}
      >
        <option value="">{t('search.any')}</option>
        <option value="generated">{t('search.kinds.generated')}</option>
        <option value="edited">{t('search.kinds.edited')}</option>
        <option value="imported">{t('search.kinds.imported')}</option>
      </select>

      <label htmlFor={field('refs')}>{t('search.references')}</label>
      <select
        id={field('refs')}
        className="input select-sm"
        value={f.hasReferences == null ? '' : String(f.hasReferences)}
        onChange={(e) => set({ hasReferences: e.target.value === '' ? undefined : e.target.value === 'true' })}
      >
        <option value="">{t('search.any')}</option>
        <option value="true">{t('search.withReferences')}</option>
        <option value="false">{t('search.withoutReferences')}</option>
      </select>

      <label htmlFor={field('credentials')}>{t('search.contentCredentials')}</label>
      <select
        id={field('credentials')}
        className="input select-sm"
        value={f.hasContentCredentials == null ? '' : String(f.hasContentCredentials)}
        onChange={(e) => set({ hasContentCredentials: e.target.value === '' ? undefined : e.target.value === 'true' })}
      >
        <option value="">{t('search.any')}</option>
        <option value="true">{t('search.withCredentials')}</option>
        <option value="false">{t('search.withoutCredentials')}</option>
      </select>

      <label htmlFor={field('from')}>{t('search.from')}</label>
      <DateField id={field('from')} className="input select-sm" value={toDateInput(f.from)} onChange={(v) => set({ from: fromDateInput(v) })} />
      <label htmlFor={field('to')}>{t('search.to')}</label>
      <DateField
        id={field('to')}
        className="input select-sm"
        value={toDateInput(f.to == null ? null : f.to - DAY_MS + 1)}
        onChange={(v) => {
          const start = fromDateInput(v);
          set({ to: start === null ? null : start + DAY_MS - 1 });
        }}
      />

      <label htmlFor={field('maxCost')}>{t('search.maxCost')}</label>
      <input
        id={field('maxCost')}
        type="number"
        min={0}
        step={0.01}
        className="input select-sm"
        value={f.maxCostUsd ?? ''}
        onChange={(e) => set({ maxCostUsd: e.target.value === '' ? null : Math.max(0, Number(e.target.value)) })}
      />

      <button
        type="button"
        className="btn btn-plain btn-sm"
        onClick={() => {
          const text = useSearch.getState().text;
          useSearch.getState().clearSearch();
          useSearch.getState().setText(text);
          onChange();
        }}
      >
        {t('search.clearFilters')}
      </button>
    </div>
  );
}
