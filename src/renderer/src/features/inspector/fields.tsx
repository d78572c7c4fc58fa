/**
 * Organising fields shared by the inspector and the viewer: rating (stars), flag (pick / reject / none), title and
 * tags (with the library's tag autocomplete). Each takes the images it edits (one or many) and their common value
 * (`'mixed'` when they differ), and edits all of them at once through the organise calls.
 */
import { Check, Star, X, XCircle } from 'lucide-react';
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TagCount } from '@shared/organise';
import { isSubmitEnter } from '../../lib/keys';
import { call } from '../../transport';
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
  const [draft, setDraft] = useState('');
  const [suggestions, setSuggestions] = useState<TagCount[]>([]);
  // Suggestions are asked for, and listed, only while the field has focus (the list stays, empty, for the combobox role).
  const [focused, setFocused] = useState(false);

  useEffect(() => {
    if (!focused) return;
    let live = true;
    const timer = setTimeout(() => {
      call('tags.suggest', { prefix: draft.trim(), limit: 8 })
        .then((s) => live && setSuggestions(s))
        .catch(() => live && setSuggestions([]));
    }, 120);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [draft, focused]);

  const change = (add: string[], remove: string[]): void => {
    void tagAssets(ids, add, remove).then((ok) => ok && onChanged());
  };

  return (
    <>
      {common.length + partial.length === 0 ? <p className="muted small">{t('inspector.noTags')}</p> : null}
      {common.length + partial.length > 0 ? (
        <ul className="tag-chips" aria-label={t('organise.tags')}>
          {common.map((tag) => (
            <li key={tag} className="tag-chip">
              <span>{tag}</span>
              <button
                type="button"
                className="btn btn-ghost btn-icon btn-xs"
                aria-label={t('organise.removeTag', { tag })}
                onClick={() => change([], [tag])}
              >
                <X size={12} aria-hidden="true" />
              </button>
            </li>
          ))}
          {partial.map(({ name, count }) => (
            <li key={name} className="tag-chip tag-chip-partial" title={t('inspector.tagOnSome', { count, total: ids.length })}>
              <span>{name}</span>
              <span className="muted small">{t('inspector.tagShare', { count, total: ids.length })}</span>
              <button
                type="button"
                className="btn btn-ghost btn-icon btn-xs"
                aria-label={t('organise.removeTag', { tag: name })}
                onClick={() => change([], [name])}
              >
                <X size={12} aria-hidden="true" />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <label htmlFor={`${id}-tag`} className="field-label sr-only">
        {ids.length > 1 ? t('inspector.addTagAll') : t('inspector.addTag')}
      </label>
      <input
        id={`${id}-tag`}
        className="input"
        list={`${id}-suggest`}
        value={draft}
        autoComplete="off"
        maxLength={64}
        placeholder={ids.length > 1 ? t('inspector.addTagAll') : t('inspector.addTag')}
        aria-describedby={`${id}-hint`}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (isSubmitEnter(e) && draft.trim()) {
            e.preventDefault();
            change([draft.trim()], []);
            setDraft('');
          }
        }}
      />
      <datalist id={`${id}-suggest`}>
        {(focused ? suggestions : []).map((s) => (
          <option key={s.name} value={s.name}>
            {t('organise.tagUses', { count: s.count })}
          </option>
        ))}
      </datalist>
      <p id={`${id}-hint`} className="sr-only">
        {t('organise.tagHint')}
      </p>
    </>
  );
}
