import { ArrowDownWideNarrow, ArrowUpNarrowWide, BookmarkPlus, Search, SlidersHorizontal } from 'lucide-react';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { SORT_KEYS, type SortKey } from '@shared/organise';
import { useFolders } from '../../store/folders';
import { useGallery } from '../../store/gallery';
import { isSearching, savedQueryFor, useSearch } from '../../store/search';
import { useCollections } from '../../store/collections';
import { ariaShortcut, isSubmitEnter, matchesShortcut } from '../../lib/keys';
import { useToasts } from '../../store/toasts';
import { call } from '../../transport';
import { IconButton } from '../../ui/IconButton';
import { NameDialog } from '../folders/NameDialog';
import { FilterPanel } from './FilterPanel';

/** Re-reads the gallery with the current search; the images on screen stay until the new ones arrive. */
function rerun(): void {
  void useGallery.getState().refine();
}

/**
 * The search row above the gallery: one box over prompts, titles, notes and tags; filters; sort; and "Save search"
 * which keeps the search as a smart collection in the sidebar.
 */
export function SearchBar() {
  const { t } = useTranslation();
  const panelId = useId();
  const text = useSearch((s) => s.text);
  const filters = useSearch((s) => s.filters);
  const sort = useSearch((s) => s.sort);
  const dir = useSearch((s) => s.dir);
  const source = useSearch((s) => s.source);
  const [draft, setDraft] = useState(text);
  const [filtersOpen, setFiltersOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  const selectedFolder = useFolders((s) => s.selectedId);
  const searching = isSearching({ text, filters });
  const inputRef = useRef<HTMLInputElement>(null);

  // Ctrl+F (⌘F on macOS) from anywhere in the window, not while a dialog is open: focus the box, text selected.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const key = e.key.toLowerCase();
      // Outside a text field, the browser's undo/redo would replay an edit of this box (the undo stack is the
      // page's): Ctrl/⌘+Z and Ctrl+Y there never edit it behind the user's back.
      if ((key === 'z' || key === 'y') && (e.ctrlKey || e.metaKey) && !e.altKey) {
        const el = e.target instanceof HTMLElement ? e.target : null;
        if (!el?.closest('input, textarea, select, [contenteditable="true"]')) e.preventDefault();
        return;
      }
      if (!matchesShortcut(e, 'focusSearch') || e.defaultPrevented) return;
      if (document.querySelector('[role="dialog"],[role="alertdialog"]')) return;
      const input = inputRef.current;
      if (!input) return;
      e.preventDefault();
      input.focus();
      input.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Typing re-runs the search after a short pause (the store's timer, which a change of source cancels); Enter
  // runs it at once.
  useEffect(() => {
    useSearch.getState().typeText(draft, rerun);
  }, [draft]);

  const setSort = (next: SortKey, nextDir = dir): void => {
    useSearch.getState().setSort(next, nextDir);
    rerun();
  };

  return (
    <div className="search-bar">
      <div className="search-field">
        <Search size={14} aria-hidden="true" className="search-icon" />
        <input
          ref={inputRef}
          type="search"
          className="input search-input"
          aria-label={t('search.label')}
          placeholder={t('search.placeholder')}
          value={draft}
          aria-keyshortcuts={ariaShortcut('focusSearch')}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (isSubmitEnter(e)) {
              useSearch.getState().setText(draft);
              rerun();
            } else if (e.key === 'Escape' && draft) {
              e.stopPropagation();
              setDraft('');
            }
          }}
        />
      </div>
      <IconButton
        label={t('search.filters')}
        icon={<SlidersHorizontal size={15} />}
        aria-expanded={filtersOpen}
        aria-controls={panelId}
        className={Object.keys(filters).length ? 'is-active' : undefined}
        onClick={() => setFiltersOpen((o) => !o)}
      />
      <label className="sr-only" htmlFor={`${panelId}-sort`}>
        {t('search.sortBy')}
      </label>
      <select
        id={`${panelId}-sort`}
        className="input select-sm"
        value={sort}
        onChange={(e) => setSort(e.target.value as SortKey)}
      >
        {SORT_KEYS.map((k) => (
          <option key={k} value={k}>
            {t(`search.sort.${k}`)}
          </option>
        ))}
      </select>
      <IconButton
        label={dir === 'desc' ? t('search.descending') : t('search.ascending')}
        icon={dir === 'desc' ? <ArrowDownWideNarrow size={15} /> : <ArrowUpNarrowWide size={15} />}
        onClick={() => setSort(sort, dir === 'desc' ? 'asc' : 'desc')}
      />
      <IconButton
        label={t('search.save')}
        icon={<BookmarkPlus size={15} />}
        disabled={!searching || source.kind !== 'folder'}
        onClick={() => setSaving(true)}
      />
      {filtersOpen ? <FilterPanel id={panelId} onChange={rerun} /> : null}
      <NameDialog
        open={saving}
        onOpenChange={setSaving}
        title={t('search.saveTitle')}
        label={t('search.saveName')}
        submitLabel={t('search.saveSubmit')}
        initial={text.trim()}
        onSubmit={async (name) => {
          await call('collections.create', { name, query: savedQueryFor(selectedFolder), assetIds: [] });
          void useCollections.getState().load();
          useToasts.getState().info('search.saved', { name });
        }}
      />
    </div>
  );
}
