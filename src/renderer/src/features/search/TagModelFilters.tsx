import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ModelCount } from '@shared/organise';
import { modelLabel } from '../../i18n/format';
import { useSearch } from '../../store/search';
import { call } from '../../transport';
import { TagInput } from '../../ui/TagInput';
import './tag-model-filters.css';

/**
 * The filter panel's tag filter (images with any of the chosen tags; autocomplete from the library's tags; Backspace
 * in the empty field drops the last chosen tag) and model filter (the models that made the library's images, from
 * `assets.models`). `field(name)` makes the ids.
 */
export function TagModelFilters({ field, onChange }: { field(name: string): string; onChange(): void }) {
  const { t } = useTranslation();
  const anyTags = useSearch((s) => s.filters.anyTags);
  const models = useSearch((s) => s.filters.models);
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
        <TagInput
          id={field('tag')}
          inputClassName="input select-sm"
          placeholder={t('search.tagsPlaceholder')}
          hint={t('search.tagsHint')}
          hintClassName="sr-only"
          chips={chosen.map((tag) => ({ tag }))}
          chipsLabel={t('search.tagsChosen')}
          removeLabel={(tag) => t('search.removeTagFilter', { tag })}
          onAdd={(tag) => {
            if (!chosen.some((c) => c.toLowerCase() === tag.toLowerCase())) setTags([...chosen, tag]);
          }}
          onRemove={(tag) => setTags(chosen.filter((c) => c !== tag))}
          backspaceRemovesLast
        />
      </div>
    </>
  );
}
