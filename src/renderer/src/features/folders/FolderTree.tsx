import * as ContextMenu from '@radix-ui/react-context-menu';
import { ChevronRight, Coins, Download, Folder, FolderInput, FolderOpen, FolderPlus, Layers, Pencil, Trash2 } from 'lucide-react';
import { useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { FolderNode } from '@shared/domain';
import { useFolders } from '../../store/folders';
import { useSearch } from '../../store/search';
import { childMap, visibleRows } from './tree';
import { comboLabel, matchesShortcut } from '../../lib/keys';
import { focusFirstItemIfByKey, later, MenuItem, MenuLabel, MenuSeparator, openMenuFromKey, runAfterClose } from '../../ui/Menu';
import { carriesAssets, dropAssets, dropKind } from '../organise/drop';
import { UndoMenuItems } from '../organise/UndoMenuItems';
import { useBudgetUi } from '../budgets/store';

/** What a folder's or project's menu can ask for (the sidebar's toolbar does the same). */
export type FolderAction = 'newFolder' | 'rename' | 'move' | 'delete' | 'export';

interface FolderTreeProps {
  onRename(node: FolderNode): void;
  onDelete(node: FolderNode): void;
  /** An item of a folder's right-click menu (Shift+F10 or the Menu key on a focused row opens it too). */
  onAction(action: FolderAction, node: FolderNode): void;
}

const itemId = (id: string): string => `tree-item-${id}`;

/**
 * The projects and their folders as an ARIA tree: one tab stop, arrow keys move (and select), Right/Left
 * open/close, Home/End, F2 renames, Delete asks to delete. Right-click (Shift+F10) opens a row's menu: new
 * folder, rename, move, delete, export. Gallery tiles dropped on a row move there (Alt held at the drop: copy),
 * the row under the drag marked as the drop target.
 */
export function FolderTree({ onRename, onDelete, onAction }: FolderTreeProps) {
  const { t } = useTranslation();
  const nodes = useFolders((s) => s.nodes);
  const selectedId = useFolders((s) => s.selectedId);
  // While the trash or a collection is on screen, no folder is shown: none is highlighted (the selected one is
  // still remembered, and clicking it goes back to it).
  const folderShown = useSearch((s) => s.source.kind === 'folder');
  const expanded = useFolders((s) => s.expanded);
  const select = useFolders((s) => s.select);
  const setExpanded = useFolders((s) => s.setExpanded);
  const map = useMemo(() => childMap(nodes), [nodes]);
  const rows = useMemo(() => visibleRows(map, expanded), [map, expanded]);
  const [focusId, setFocusId] = useState<string | null>(null);
  const wantFocus = useRef(false);
  const [menuFor, setMenuFor] = useState<FolderNode | null>(null);
  const [dropId, setDropId] = useState<string | null>(null);
  const [dragging, setDragging] = useState<'move' | 'copy' | null>(null);

  // The tab stop: the focused row if still visible, else the selection, else the first row.
  const tabStop = rows.find((r) => r.node.id === focusId)?.node.id ?? rows.find((r) => r.node.id === selectedId)?.node.id ?? rows[0]?.node.id;

  useEffect(() => {
    if (!wantFocus.current || !focusId) return;
    wantFocus.current = false;
    document.getElementById(itemId(focusId))?.focus();
  }, [focusId, rows]);

  const focusRow = (id: string, andSelect = true): void => {
    // The row already holding the tab stop (a click: its focus event came first) is focused now; a request left
    // pending would be run by the next change of the rows (a folder's count after a trash) and take focus from
    // wherever the user had gone since.
    if (id === focusId) document.getElementById(itemId(id))?.focus();
    else {
      wantFocus.current = true;
      setFocusId(id);
    }
    if (andSelect) select(id);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>): void => {
    // The row that has focus (the event's own item), not a remembered one.
    const item = (e.target as HTMLElement).closest<HTMLElement>('[role="treeitem"]');
    const focusedId = item?.dataset['id'] ?? tabStop;
    const index = rows.findIndex((r) => r.node.id === focusedId);
    const row = rows[index];
    if (!row) return;
    const go = (i: number): void => {
      const target = rows[Math.max(0, Math.min(rows.length - 1, i))];
      if (target) focusRow(target.node.id);
    };
    if (matchesShortcut(e, 'gridMenu') && item) {
      e.preventDefault();
      e.stopPropagation();
      openMenuFromKey(item);
      return;
    }
    switch (e.key) {
      case 'ArrowDown':
        go(index + 1);
        break;
      case 'ArrowUp':
        go(index - 1);
        break;
      case 'Home':
        go(0);
        break;
      case 'End':
        go(rows.length - 1);
        break;
      case 'ArrowRight':
        if (row.hasChildren && !row.expanded) setExpanded(row.node.id, true);
        else if (row.expanded) go(index + 1);
        break;
      case 'ArrowLeft':
        if (row.expanded) setExpanded(row.node.id, false);
        else if (row.node.parentId) focusRow(row.node.parentId);
        break;
      case 'Enter':
      case ' ':
        select(row.node.id);
        break;
      case 'F2':
        onRename(row.node);
        break;
      case 'Delete':
        onDelete(row.node);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  };

  if (rows.length === 0) return null;

  // A flat list with aria-level/setsize/posinset (a valid ARIA tree): each item's box is just its row, so a click
  // on an item never lands on one of its children.
  const act = (action: FolderAction) => later(() => menuFor && onAction(action, menuFor));
  const overRow = (e: DragEvent<HTMLUListElement>): void => {
    if (!carriesAssets(e)) return;
    const row = (e.target as HTMLElement).closest<HTMLElement>('[role="treeitem"]');
    const id = row?.dataset['id'] ?? null;
    setDragging(dropKind(e));
    setDropId(id);
    if (!id) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = dropKind(e);
  };
  return (
    <ContextMenu.Root modal={false} onOpenChange={focusFirstItemIfByKey}>
    <ContextMenu.Trigger
      asChild
      onContextMenu={(e) => {
        const row = (e.target as HTMLElement).closest<HTMLElement>('[role="treeitem"]');
        const node = row ? nodes.find((n) => n.id === row.dataset['id']) : undefined;
        if (!row || !node) {
          e.preventDefault();
          return;
        }
        setMenuFor(node);
        focusRow(node.id, false);
      }}
    >
    <ul
      role="tree"
      aria-label={t('folders.tree')}
      className="tree"
      onKeyDown={onKeyDown}
      // Gallery tiles dragged over the tree: the row under the pointer is the drop target (move, or copy with Alt).
      // Both dragenter and dragover accept the drop (an uncanceled dragenter sends the drag on to the page's body).
      onDragEnter={overRow}
      onDragOver={overRow}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) {
          setDropId(null);
          setDragging(null);
        }
      }}
      onDrop={(e) => {
        if (!carriesAssets(e)) return;
        const id = (e.target as HTMLElement).closest<HTMLElement>('[role="treeitem"]')?.dataset['id'];
        setDropId(null);
        setDragging(null);
        if (!id) return;
        e.preventDefault();
        void dropAssets(e, id);
      }}
    >
      {rows.map((row) => {
        const { node } = row;
        const selected = folderShown && node.id === selectedId;
        const Icon = row.level === 1 ? Layers : row.expanded ? FolderOpen : Folder;
        return (
          <li
            key={node.id}
            id={itemId(node.id)}
            data-id={node.id}
            role="treeitem"
            aria-level={row.level}
            aria-setsize={row.setSize}
            aria-posinset={row.posInSet}
            aria-selected={selected}
            aria-expanded={row.hasChildren ? row.expanded : undefined}
            tabIndex={node.id === tabStop ? 0 : -1}
            className={`tree-row${selected ? ' is-selected' : ''}${dropId === node.id ? ' is-drop-target' : ''}`}
            style={{ paddingInlineStart: `${4 + (row.level - 1) * 14}px` }}
            onFocus={(e) => {
              if (e.target === e.currentTarget) setFocusId(node.id);
            }}
            onClick={() => focusRow(node.id)}
            onDoubleClick={() => onRename(node)}
          >
            <span
              className={`tree-twisty${row.hasChildren ? '' : ' is-leaf'}${row.expanded ? ' is-open' : ''}`}
              aria-hidden="true"
              onClick={(e) => {
                if (!row.hasChildren) return;
                e.stopPropagation();
                setExpanded(node.id, !row.expanded);
              }}
            >
              <ChevronRight size={14} />
            </span>
            <Icon size={15} aria-hidden="true" className="tree-icon" />
            <span className="tree-name">{node.name}</span>
            {/* Named by its content: the name, then the count as words ("7 images"; the digits shown are hidden). */}
            <span className="tree-count">
              <span aria-hidden="true">{node.assetCount > 0 ? node.assetCount.toLocaleString() : ''}</span>
              <span className="sr-only">{t('folders.imageCount', { count: node.assetCount })}</span>
            </span>
          </li>
        );
      })}
    </ul>
    </ContextMenu.Trigger>
    {dragging ? (
      <p className="tree-drop-hint" role="status">
        {t('menu.dropHint', { alt: comboLabel('Alt') })}
      </p>
    ) : null}
    <ContextMenu.Portal>
      <ContextMenu.Content className="ctx-menu" aria-label={t('menu.folderActions', { name: menuFor?.name ?? '' })} onCloseAutoFocus={runAfterClose}>
        {menuFor ? (
          <>
            <MenuLabel>{menuFor.name}</MenuLabel>
            <MenuItem label={t('menu.newFolder')} icon={<FolderPlus size={14} />} onSelect={act('newFolder')} />
            <MenuItem label={t('menu.rename')} icon={<Pencil size={14} />} keyLabel="F2" onSelect={act('rename')} />
            <MenuItem label={t('menu.move')} icon={<FolderInput size={14} />} onSelect={act('move')} />
            <MenuItem label={t('menu.export')} icon={<Download size={14} />} onSelect={act('export')} />
            {menuFor.parentId === null ? (
              <MenuItem
                label={t('budget.action')}
                icon={<Coins size={14} />}
                onSelect={later(() => useBudgetUi.getState().open({ projectId: menuFor.id, projectName: menuFor.name }))}
              />
            ) : null}
            <MenuSeparator />
            <UndoMenuItems />
            <MenuSeparator />
            <MenuItem label={t('menu.delete')} icon={<Trash2 size={14} />} keyLabel="Delete" danger onSelect={act('delete')} />
          </>
        ) : null}
      </ContextMenu.Content>
    </ContextMenu.Portal>
    </ContextMenu.Root>
  );
}
