import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobView } from '@shared/domain';
import type { AssetListItem } from '@shared/organise';
import { patchSelection, restoreSelection, trashSelection } from '../organise/actions';
import { queryFor, useSearch } from '../../store/search';
import { useSelection } from '../../store/selection';
import { useToasts } from '../../store/toasts';
import { call } from '../../transport';
import { useGallery } from '../../store/gallery';
import { useJobs } from '../../store/jobs';
import { useViewer } from '../../store/viewer';
import { AssetTile } from './AssetTile';
import { JobTile } from './JobTile';
import { useElementWidth } from './useElementWidth';
import { assetLabel } from './label';
import { TileMenu } from './TileMenu';
import { matchesShortcut } from '../../lib/keys';
import { openMenuFromKey } from '../../ui/Menu';
import { undoCommandOf } from '../../app/undo-keys';

const GAP = 6;

interface GridProps {
  jobs: JobView[];
  assets: AssetListItem[];
  total: number;
  /** True while the view's next first page is on its way (the cells shown are the previous search's). */
  busy?: boolean;
}

/**
 * A virtualised grid (rows of square cells): only the rows on screen exist in the DOM, so a folder of 100k
 * images scrolls like one of ten. One tab stop; arrow keys, Home/End and PageUp/PageDown move between tiles, and
 * with Shift extend the selection from its anchor (Lightroom's). Right-click or Shift+F10 opens a tile's menu
 * (TileMenu). Every key is read from the shortcut table (lib/keys.ts SHORTCUTS).
 */
export function Grid({ jobs, assets, total, busy = false }: GridProps) {
  const { t } = useTranslation();
  const scrollRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(scrollRef);
  const thumbSize = useGallery((s) => s.thumbSize);
  const nextCursor = useGallery((s) => s.nextCursor);
  const loading = useGallery((s) => s.loading);
  const loadMore = useGallery((s) => s.loadMore);
  const dismiss = useJobs((s) => s.dismiss);
  const openViewer = useViewer((s) => s.open);
  const selection = useSelection((s) => s.ids);
  const [focusIndex, setFocusIndex] = useState(0);
  const pendingFocus = useRef<number | null>(null);

  const inner = Math.max(0, width - GAP * 2);
  const cols = Math.max(1, Math.floor((inner + GAP) / (thumbSize + GAP)));
  const cell = cols > 0 ? Math.floor((inner - GAP * (cols - 1)) / cols) : thumbSize;
  const count = jobs.length + assets.length;
  const rowCount = Math.ceil(count / cols);

  // TanStack Virtual returns functions that the React Compiler cannot memoise safely; this component is not
  // compiled, which is what we want here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => cell + GAP,
    overscan: 3,
    paddingStart: GAP,
    paddingEnd: GAP,
  });

  useEffect(() => {
    virtualizer.measure();
  }, [cell, virtualizer]);

  const rows = virtualizer.getVirtualItems();
  const lastRow = rows[rows.length - 1]?.index ?? 0;
  useEffect(() => {
    // Fetch ahead: the next page is asked for while about three screens of rows are still left, so a fast scroll
    // rarely reaches the end of what is loaded (the append is then the only work, not a wait).
    // The viewport's height as the virtualiser last measured it (reading clientHeight here would lay out the rows
    // just rendered, once per frame of a scroll).
    const ahead = Math.max(4, Math.ceil(((virtualizer.scrollRect?.height ?? 600) * 3) / (cell + GAP)));
    if (nextCursor && !loading && lastRow >= rowCount - ahead) void loadMore();
  }, [lastRow, rowCount, nextCursor, loading, loadMore, cell, virtualizer]);

  const safeFocus = Math.min(focusIndex, Math.max(0, count - 1));

  useEffect(() => {
    if (pendingFocus.current !== null && count > 0) pendingFocus.current = Math.min(pendingFocus.current, count - 1);
    const want = pendingFocus.current;
    if (want === null) return;
    // A request still pending when focus has gone out of the grid (a key that moved nowhere, Home on the first tile,
    // leaves one until the next render) is dropped: it must not pull focus from the prompt, where the next key typed
    // would rate the selection.
    const active = document.activeElement;
    if (active && active !== document.body && !scrollRef.current?.contains(active)) {
      pendingFocus.current = null;
      return;
    }
    const el = scrollRef.current?.querySelector<HTMLElement>(`[data-tile-index="${want}"]`);
    if (el) {
      pendingFocus.current = null;
      el.focus({ preventScroll: true });
    }
  });

  const moveTo = useCallback(
    (i: number) => {
      const next = Math.max(0, Math.min(count - 1, i));
      setFocusIndex(next);
      virtualizer.scrollToIndex(Math.floor(next / cols), { align: 'auto' });
      // A tile already rendered takes focus now; one scrolled into view takes it once its row has rendered.
      const el = scrollRef.current?.querySelector<HTMLElement>(`[data-tile-index="${next}"]`);
      if (el) {
        pendingFocus.current = null;
        el.focus({ preventScroll: true });
      } else pendingFocus.current = next;
    },
    [count, cols, virtualizer],
  );

  // A tile the user focused (a click) cancels a request for another one.
  const onTileFocus = useCallback((i: number) => {
    if (pendingFocus.current !== i) pendingFocus.current = null;
    setFocusIndex(i);
  }, []);

  // Click opens the image (and makes it the selection); Ctrl/⌘-click toggles it; Shift-click selects the range.
  const onTileClick = useCallback(
    (id: string, e?: React.MouseEvent): void => {
      const sel = useSelection.getState();
      if (e && (e.ctrlKey || e.metaKey)) sel.toggle(id);
      else if (e?.shiftKey) sel.extendTo(id, useGallery.getState().items.map((a) => a.id));
      else {
        sel.selectOnly(id);
        // As in Lightroom and Eagle: a mouse click selects, a double-click (called without an event) or Enter (a
        // click the keyboard made, `detail` 0) opens.
        if (!e || e.detail === 0) openViewer(id);
      }
    },
    [openViewer],
  );

  /** Organising keys on the grid (Lightroom's): Space, Ctrl/⌘+A, Escape, 0–5, P, X, U, Delete. */
  const organiseKey = (e: KeyboardEvent<HTMLDivElement>): boolean => {
    const sel = useSelection.getState();
    const focused = assets[safeFocus - jobs.length];
    const inTrash = useSearch.getState().source.kind === 'trash';
    if (matchesShortcut(e, 'gridSelectAll')) {
      const q = queryFor(useGallery.getState().folderId);
      if (q) {
        call('assets.ids', q)
          .then((r) => sel.setAll(r.ids))
          .catch((err: unknown) => useToasts.getState().error(err));
      }
      return true;
    }
    if (matchesShortcut(e, 'gridClear')) {
      if (sel.ids.size === 0) return false;
      sel.clear();
      return true;
    }
    if (focused && matchesShortcut(e, 'gridRangeTo')) {
      sel.extendTo(focused.id, assets.map((a) => a.id));
      return true;
    }
    if (focused && matchesShortcut(e, 'gridToggle')) {
      sel.toggle(focused.id);
      return true;
    }
    if (focused && matchesShortcut(e, 'gridMenu')) {
      const tile = scrollRef.current?.querySelector<HTMLElement>(`[data-tile-index="${safeFocus}"]`);
      if (tile) openMenuFromKey(tile);
      return true;
    }
    if (sel.ids.size === 0) return false;
    if (matchesShortcut(e, 'rate') && !inTrash) void patchSelection({ rating: Number(e.key) });
    else if (matchesShortcut(e, 'pick') && !inTrash) void patchSelection({ flag: 1 });
    else if (matchesShortcut(e, 'reject') && !inTrash) void patchSelection({ flag: -1 });
    else if (matchesShortcut(e, 'unflag') && !inTrash) void patchSelection({ flag: 0 });
    else if (matchesShortcut(e, 'gridTrash')) {
      // The trashed tiles leave the DOM: focus stays in the grid, on the tile that takes the focused one's place.
      const at = safeFocus;
      void (inTrash ? restoreSelection() : trashSelection()).then(() => {
        pendingFocus.current = at;
        setFocusIndex(at);
      });
    }
    else return false;
    return true;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    // The browser's own undo/redo would replay an edit of the search box (its undo stack is the page's, not the
    // field's): in the grid, Ctrl/⌘+Z and Ctrl+Y never reach it.
    if (undoCommandOf(e)) e.preventDefault();
    if ((e.target as HTMLElement).closest('.job-tile') === null && organiseKey(e)) {
      e.preventDefault();
      return;
    }
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 0) / (cell + GAP)));
    const steps: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: cols,
      ArrowUp: -cols,
      PageDown: cols * pageRows,
      PageUp: -cols * pageRows,
    };
    const target =
      e.key === 'Home' ? 0 : e.key === 'End' ? count - 1 : e.key in steps ? Math.max(0, Math.min(count - 1, safeFocus + steps[e.key]!)) : null;
    if (target === null) return;
    if (matchesShortcut(e, 'gridExtend')) extendSelection(target);
    else if (matchesShortcut(e, 'gridMove')) moveTo(target);
    else return;
    e.preventDefault();
  };

  /**
   * Shift+arrow (Home, End): the selection becomes the images from its anchor to the tile focus moves to. The
   * anchor is the last clicked or toggled image while the focused tile is in the selection; otherwise the focused
   * tile starts a new range. Jobs (placed before the images) are never selected.
   */
  const extendSelection = (target: number): void => {
    const order = assets.map((a) => a.id);
    const to = Math.max(jobs.length, target);
    const toId = order[to - jobs.length];
    if (!toId) return;
    const sel = useSelection.getState();
    const focusedId = order[safeFocus - jobs.length] ?? toId;
    const anchor = sel.anchor && sel.ids.has(focusedId) && order.includes(sel.anchor) ? sel.anchor : focusedId;
    sel.selectRange(anchor, toId, order);
    moveTo(to);
  };

  // When the tile holding the tab stop is scrolled out of the DOM, the scroller itself takes the tab stop.
  const focusRow = Math.floor(safeFocus / cols);
  const focusRendered = rows.some((r) => r.index === focusRow);

  return (
    <TileMenu assets={assets}>
    <div
      ref={scrollRef}
      className="grid-scroll"
      onKeyDown={onKeyDown}
      tabIndex={focusRendered ? -1 : 0}
      aria-label={focusRendered ? undefined : t('gallery.images')}
      onFocus={(e) => {
        if (e.target !== e.currentTarget) return;
        const top = e.currentTarget.scrollTop;
        const first = rows.find((r) => r.start >= top) ?? rows[0];
        if (first) moveTo(first.index * cols);
      }}
    >
      <div role="list" aria-label={t('gallery.images')} aria-busy={busy || undefined} style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {width > 0 &&
          rows.map((row) => (
            <GridRow
              key={row.key}
              index={row.index}
              start={row.start}
              cols={cols}
              cell={cell}
              jobs={jobs}
              assets={assets}
              setSize={jobs.length + total}
              focusCol={focusRow === row.index ? safeFocus - row.index * cols : -1}
              selection={selection}
              onTileClick={onTileClick}
              onDismiss={dismiss}
              onFocusIndex={onTileFocus}
            />
          ))}
      </div>
    </div>
    </TileMenu>
  );
}

interface GridRowProps {
  /** The row's index and its offset from the top of the list (px). */
  index: number;
  start: number;
  cols: number;
  /** A cell's side (px). */
  cell: number;
  jobs: JobView[];
  assets: AssetListItem[];
  /** `aria-setsize` of every cell: the jobs and the query's total. */
  setSize: number;
  /** The column of the tile holding the tab stop, or -1 when it is in another row. */
  focusCol: number;
  selection: ReadonlySet<string>;
  onTileClick(id: string, e?: React.MouseEvent): void;
  onDismiss(id: string): void;
  onFocusIndex(i: number): void;
}

/**
 * The tiles of one row. A row re-renders only when something it shows changed (its own jobs and images, the
 * selection, the tab stop in it, the layout): while the grid scrolls only the rows coming into view render, not
 * every row on screen, and a page appended to the list leaves the rows already shown alone.
 */
const GridRow = memo(function GridRow({ index, start, cols, cell, jobs, assets, setSize, focusCol, selection, onTileClick, onDismiss, onFocusIndex }: GridRowProps) {
  const { t, i18n } = useTranslation();
  const first = index * cols;
  const count = jobs.length + assets.length;
  const cells = [];
  for (let c = 0; c < cols; c++) {
    const i = first + c;
    if (i >= count) break;
    const job = i < jobs.length ? jobs[i] : undefined;
    const asset = job ? undefined : assets[i - jobs.length];
    const selected = !!asset && selection.has(asset.id);
    cells.push(
      <div
        key={job ? `job-${job.id}` : `asset-${asset?.id ?? i}`}
        role="listitem"
        aria-setsize={setSize}
        aria-posinset={i + 1}
        className={`cell${selected ? ' is-selected' : ''}${asset?.stackCount && asset.stackCount > 1 ? ' is-stack' : ''}`}
        style={{ width: cell, height: cell }}
        onFocus={() => onFocusIndex(i)}
      >
        {job ? (
          <JobTile job={job} index={i} tabIndex={c === focusCol ? 0 : -1} onDismiss={onDismiss} />
        ) : asset ? (
          <>
            <AssetTile asset={asset} index={i} tabIndex={c === focusCol ? 0 : -1} selected={selected} onOpen={onTileClick} />
            <input
              type="checkbox"
              className="thumb-check"
              tabIndex={-1}
              checked={selected}
              aria-label={t('organise.selectImage', { name: assetLabel(asset, t, i18n.language) })}
              onChange={(e) => {
                const ne = e.nativeEvent as MouseEvent;
                // The list as it is now (a row kept from before a page was appended holds an older one).
                if (ne.shiftKey) useSelection.getState().extendTo(asset.id, useGallery.getState().items.map((a) => a.id));
                else useSelection.getState().toggle(asset.id);
              }}
            />
          </>
        ) : null}
      </div>,
    );
  }
  return (
    <div role="presentation" className="grid-row" style={{ transform: `translateY(${start}px)`, height: cell, gap: GAP, paddingInline: GAP }}>
      {cells}
    </div>
  );
}, sameRow);

/** Whether a row would render the same: equal props, and the same job and image objects in its own cells (not the same lists). */
function sameRow(a: GridRowProps, b: GridRowProps): boolean {
  if (
    a.index !== b.index ||
    a.start !== b.start ||
    a.cols !== b.cols ||
    a.cell !== b.cell ||
    a.setSize !== b.setSize ||
    a.focusCol !== b.focusCol ||
    a.selection !== b.selection ||
    a.onTileClick !== b.onTileClick ||
    a.onDismiss !== b.onDismiss ||
    a.onFocusIndex !== b.onFocusIndex ||
    a.jobs.length !== b.jobs.length
  )
    return false;
  for (let c = 0; c < a.cols; c++) {
    const i = a.index * a.cols + c;
    const ja = a.jobs[i];
    const jb = b.jobs[i];
    if (ja !== jb) return false;
    if (ja) continue;
    if (a.assets[i - a.jobs.length] !== b.assets[i - b.jobs.length]) return false;
  }
  return true;
}
