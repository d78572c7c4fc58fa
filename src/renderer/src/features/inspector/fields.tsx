/**
 * Organising fields shared by the inspector and the viewer: rating (stars), flag (pick / reject / none), title and
 * tags (with the library's tag autocomplete). Each takes the images it edits (one or many) and their common value
 * (`'mixed'` when they differ), and edits all of them at once through the organise calls.
 */
import { Check, Star, X, XCircle } from 'lucide-react';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isSubmitEnter } from '../../lib/keys';
import { TagInput } from '../../ui/TagInput';
import { patchAssets, tagAssets } from '../organise/actions';

/** A value common to every edited image, or `'mixed'` when they differ. */
export type Common<T> = T | 'mixed';

/** Stars 1–5 and Clear; the pressed star is the images' common rating. Keys 0–5 are bound by the caller. */
export function RatingField({ ids, value, onChanged }: { ids: readonly string[]; value: Common<number>; onChanged(): void }) {
  const { t } = useTranslation();
  return (
    <div className="field-row">
      <div className="star-group" role="group" aria-label={t('organise.rating')}>
        {[1, 2, 3, 4, 5].map((r) => (
          <button
            key={r}
            type="button"
            className={`btn btn-ghost btn-icon btn-sm star${value !== 'mixed' && value >= r ? ' star-on' : ''}`}
            aria-label={t('organise.rate', { count: r })}
            aria-pressed={value === r}
            aria-keyshortcuts={String(r)}
            onClick={() => void patchAssets(ids, { rating: r }).then(onChanged)}
          >
            <Star size={14} aria-hidden="true" />
          </button>
        ))}
        <button
          type="button"
          className="btn btn-ghost btn-icon btn-sm"
          aria-label={t('organise.clearRating')}
          aria-keyshortcuts="0"
          onClick={() => void patchAssets(ids, { rating: 0 }).then(onChanged)}
        >
          <X size={14} aria-hidden="true" />
        </button>
      </div>
      <span className="muted small">
        {value === 'mixed' ? t('inspector.mixed') : value === 0 ? t('inspector.notRated') : t('organise.stars', { count: value })}
      </span>
    </div>
  );
}

/** Pick / Reject / Remove flag (P, X, U), the common flag pressed. */
export function FlagField({ ids, value, onChanged }: { ids: readonly string[]; value: Common<-1 | 0 | 1>; onChanged(): void }) {
  const { t } = useTranslation();
  const set = (flag: -1 | 0 | 1): void => void patchAssets(ids, { flag }).then(onChanged);
  return (
    <div className="field-row">
      <div className="segmented" role="group" aria-label={t('inspector.flag')}>
        <button type="button" className="btn btn-ghost btn-sm" aria-pressed={value === 1} aria-keyshortcuts="P" onClick={() => set(1)}>
          <Check size={14} aria-hidden="true" />
          <span>{t('organise.pick')}</span>
        </button>
        <button type="button" className="btn btn-ghost btn-sm" aria-pressed={value === -1} aria-keyshortcuts="X" onClick={() => set(-1)}>
          <XCircle size={14} aria-hidden="true" />
          <span>{t('organise.reject')}</span>
        </button>
        <button type="button" className="btn btn-ghost btn-sm" aria-pressed={value === 0} aria-keyshortcuts="U" onClick={() => set(0)}>
          <span>{t('organise.unflagged')}</span>
        </button>
      </div>
      {value === 'mixed' ? <span className="muted small">{t('inspector.mixed')}</span> : null}
    </div>
  );
}

/** The title, saved on Enter or when the field is left; with several images a mixed title shows as a placeholder. */
export function TitleField({ ids, value, onChanged }: { ids: readonly string[]; value: Common<string | null>; onChanged(): void }) {
  const { t } = useTranslation();
  const id = useId();
  const shown = value === 'mixed' ? '' : (value ?? '');
  const [draft, setDraft] = useState(shown);
  // Another image (or its title changed elsewhere): the field shows the new value (React's "adjust state on a prop change").
  const seenKey = `${ids.join(',')}\n${value === 'mixed' ? '\u0000mixed' : (value ?? '')}`;
  const [seen, setSeen] = useState(seenKey);
  if (seen !== seenKey) {
    setSeen(seenKey);
    setDraft(shown);
  }
  const save = (): void => {
    const title = draft.trim() || null;
    if (value !== 'mixed' && title === (value ?? null)) return;
    if (value === 'mixed' && title === null) return;
    void patchAssets(ids, { title }).then(onChanged);
  };
  return (
    <>
      <label htmlFor={`${id}-title`} className="field-label">
        {t('organise.title')}
      </label>
      <input
        id={`${id}-title`}
        className="input"
        value={draft}
        maxLength={200}
        placeholder={value === 'mixed' ? t('inspector.mixed') : t('inspector.noTitle')}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={save}
        onKeyDown={(e) => {
          if (isSubmitEnter(e)) {
            e.preventDefault();
            save();
          } else if (e.key === 'Escape' && draft !== shown) {
            e.stopPropagation();
            setDraft(shown);
          }
        }}
      />
    </>
  );
}

/**
 * The images' tags: those on every image (removable from all), those on some (with how many; removable from all),
 * and a field that adds a tag to all (Enter; suggestions from the library's tags, most used first).
 */
export function TagsField({
  ids,
  common,
  partial,
  onChanged,
}: {
  ids: readonly string[];
  common: readonly string[];
  partial: readonly { name: string; count: number }[];
  onChanged(): void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const change = (add: string[], remove: string[]): void => {
    void tagAssets(ids, add, remove).then((ok) => ok && onChanged());
  };

  return (
    <>
      {common.length + partial.length === 0 ? <p className="muted small">{t('inspector.noTags')}</p> : null}
      <TagInput
        id={`${id}-tag`}
        chipsFirst
        chips={[
          ...common.map((tag) => ({ tag })),
          ...partial.map(({ name, count }) => ({
            tag: name,
            note: t('inspector.tagShare', { count, total: ids.length }),
            title: t('inspector.tagOnSome', { count, total: ids.length }),
          })),
        ]}
        chipsLabel={t('organise.tags')}
        removeLabel={(tag) => t('organise.removeTag', { tag })}
        onAdd={(tag) => change([tag], [])}
        onRemove={(tag) => change([], [tag])}
        label={ids.length > 1 ? t('inspector.addTagAll') : t('inspector.addTag')}
        labelClassName="field-label sr-only"
        placeholder={ids.length > 1 ? t('inspector.addTagAll') : t('inspector.addTag')}
        hint={t('organise.tagHint')}
        hintClassName="sr-only"
      />
    </>
  );
}
