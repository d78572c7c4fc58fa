import { X } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ModelCount, TagCount } from '@shared/organise';
import { modelLabel } from '../../i18n/format';
import { isSubmitEnter } from '../../lib/keys';
import { useSearch } from '../../store/search';
import { call } from '../../transport';
import './tag-model-filters.css';

/**
 * The filter panel's tag filter (images with any of the chosen tags; autocomplete from the library's tags) and
 * model filter (the models that made the library's images, from `assets.models`). `field(name)` makes the ids.
 */
export function TagModelFilters({ field, onChange }: { field(name: string): string; onChange(): void }) {
  const { t } = useTranslation();
  const anyTags = useSearch((s) => s.filters.anyTags);
  const models = useSearch((s) => s.filters.models);
  const [draft, setDraft] = useState('');
  const [suggestions, setSuggestions] = useState<TagCount[]>([]);
  // Suggestions are asked for, and listed, only while the field has focus (the list stays, empty, for the combobox role).
  const [focused, setFocused] = useState(false);
  const [present, setPresent] = useState<ModelCount[]>([]);

  useEffect(() => {
    let live = true;
    call('assets.models', {})
      .then((m) => live && setPresent(m))
      .catch(() => live && setPresent([]));
    return () => {
      live = false;
    };
  }, []);

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

  const setTags = (tags: string[]): void => {
    useSearch.getState().setFilters({ anyTags: tags.length > 0 ? tags : undefined });
    onChange();
  };
  const chosen = anyTags ?? [];
  const modelIds = [...new Set(present.map((m) => m.model))];
  const current = models?.[0] ?? '';
  if (current && !modelIds.includes(current)) modelIds.push(current);

  return (
    <>
      <label htmlFor={field('model')}>{t('search.model')}</label>
      <select
        id={field('model')}
        className="input select-sm"
        value={current}
        onChange={(e) => {
          useSearch.getState().setFilters({ models: e.target.value ? [e.target.value] : undefined });
          onChange();
        }}
      >
        <option value="">{t('search.any')}</option>
        {modelIds.map((m) => (
          <option key={m} value={m}>
            {modelLabel(t, m)}
          </option>
        ))}
      </select>

      <label htmlFor={field('tag')}>{t('search.tags')}</label>
      <div className="filter-tags">
        <input
          id={field('tag')}
          className="input select-sm"
          list={field('tag-suggest')}
          value={draft}
          autoComplete="off"
          maxLength={64}
          placeholder={t('search.tagsPlaceholder')}
          aria-describedby={field('tag-hint')}
          onFocus={() => setFocused(true)}
          onBlur={() => setFocused(false)}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (isSubmitEnter(e) && draft.trim()) {
              e.preventDefault();
              const tag = draft.trim();
              if (!chosen.some((c) => c.toLowerCase() === tag.toLowerCase())) setTags([...chosen, tag]);
              setDraft('');
            }
          }}
        />
        <datalist id={field('tag-suggest')}>
          {(focused ? suggestions : []).map((s) => (
            <option key={s.name} value={s.name}>
              {t('organise.tagUses', { count: s.count })}
            </option>
          ))}
        </datalist>
        <span id={field('tag-hint')} className="sr-only">
          {t('search.tagsHint')}
        </span>
        {chosen.length > 0 ? (
          <ul className="tag-chips" aria-label={t('search.tagsChosen')}>
            {chosen.map((tag) => (
              <li key={tag} className="tag-chip">
                <span>{tag}</span>
                <button
                  type="button"
                  className="btn btn-ghost btn-icon btn-xs"
                  aria-label={t('search.removeTagFilter', { tag })}
                  onClick={() => setTags(chosen.filter((c) => c !== tag))}
                >
                  <X size={12} aria-hidden="true" />
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </>
  );
}
