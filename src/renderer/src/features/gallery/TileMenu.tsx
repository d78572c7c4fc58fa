import * as ContextMenu from '@radix-ui/react-context-menu';
import { Check, Columns2, Copy, Download, Eye, FolderInput, FolderOpen, Pencil, RotateCcw, Star, Tags, Trash2 } from 'lucide-react';
import { useState, type MouseEvent, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { COMPARE_MAX, COMPARE_MIN } from '@shared/contracts/compare';
import type { AssetListItem } from '@shared/organise';
import { useSearch } from '../../store/search';
import { selectedIds, useSelection } from '../../store/selection';
import { useToasts } from '../../store/toasts';
import { useViewer } from '../../store/viewer';
import { focusFirstItemIfByKey, later, MenuItem, MenuLabel, MenuSeparator, runAfterClose, SubMenu } from '../../ui/Menu';
import { useChainUi } from '../chains/store';
import { useCompare } from '../compare/store';
import { ExportDialog } from '../export/ExportDialog';
import { FolderPickDialog } from '../organise/FolderPickDialog';
import { patchSelection, restoreSelection, trashSelection } from '../organise/actions';
import { TagDialog } from '../organise/TagDialog';
import { UndoMenuItems } from '../organise/UndoMenuItems';
import { assetLabel } from './label';

type Dialog = 'tags' | 'move' | 'copy' | 'export' | null;

/**
 * The grid's right-click menu (Lightroom's and Eagle's): open, edit, compare (2–4 selected), rate, flag, tag, move
 * to, copy to, export, show in the file manager (desktop only), trash — or, in the Trash, open and restore. A
 * right-click on an unselected tile selects it first; the menu acts on the selection. Shift+F10 or the Menu key on
 * a focused tile opens it (the grid calls `openMenuFromKey`). Each item runs the same action as the bulk bar's
 * button or the key it names; Undo and Redo name the step they would run.
 * @param children the grid's scroller: the menu's trigger (a tile's `data-asset-id` says which image was clicked)
 */
export function TileMenu({ assets, children }: { assets: readonly AssetListItem[]; children: ReactElement }) {
  const { t, i18n } = useTranslation();
  const [target, setTarget] = useState<AssetListItem | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const count = useSelection((s) => s.ids.size);
  const inTrash = useSearch((s) => s.source.kind === 'trash');
  const onContextMenu = (e: MouseEvent<HTMLElement>): void => {
    const tile = (e.target as HTMLElement).closest('.cell')?.querySelector<HTMLElement>('[data-asset-id]');
    const asset = tile ? assets.find((a) => a.id === tile.dataset['assetId']) : undefined;
    if (!tile || !asset) {
      // Between tiles or on a job: no menu (and not the browser's).
      e.preventDefault();
      return;
    }
    const sel = useSelection.getState();
    if (!sel.ids.has(asset.id)) sel.selectOnly(asset.id);
    if (document.activeElement !== tile) tile.focus({ preventScroll: true });
    setTarget(asset);
  };
  const bridge = window.atelier;
  const name = target ? assetLabel(target, t, i18n.language) : '';

  return (
    <>
      {/* Not modal: the page around stays in the accessibility tree (a modal menu hides it while its controls stay
          focusable), and a click outside closes the menu as it would anyway. */}
      <ContextMenu.Root modal={false} onOpenChange={focusFirstItemIfByKey}>
        <ContextMenu.Trigger asChild onContextMenu={onContextMenu}>
          {children}
        </ContextMenu.Trigger>
        <ContextMenu.Portal>
          <ContextMenu.Content
            className="ctx-menu"
            aria-label={count > 1 ? t('menu.imagesActions', { count }) : t('menu.imageActions', { name })}
            onCloseAutoFocus={runAfterClose}
          >
            {target ? (
              <>
                <MenuLabel>{count > 1 ? t('organise.selected', { count }) : name}</MenuLabel>
                <MenuItem label={t('menu.open')} icon={<Eye size={14} />} shortcut="gridOpen" onSelect={() => useViewer.getState().open(target.id)} />
                {inTrash ? (
                  <MenuItem label={t('organise.restore')} icon={<RotateCcw size={14} />} shortcut="gridTrash" onSelect={() => void restoreSelection()} />
                ) : (
                  <>
                    <MenuItem label={t('chains.edit')} icon={<Pencil size={14} />} shortcut="gridEdit" onSelect={() => useChainUi.getState().edit(target)} />
                    {count >= COMPARE_MIN ? (
                      <MenuItem
                        label={t('menu.compare', { count })}
                        icon={<Columns2 size={14} />}
                        disabled={count > COMPARE_MAX}
                        onSelect={() => {
                          useCompare.getState().comparePicked(selectedIds()).catch((err: unknown) => useToasts.getState().error(err));
                        }}
                      />
                    ) : null}
                    <MenuSeparator />
                    <SubMenu label={t('menu.rate')} icon={<Star size={14} />}>
                      {[5, 4, 3, 2, 1].map((r) => (
                        <MenuItem key={r} label={t('organise.stars', { count: r })} keyLabel={String(r)} onSelect={() => void patchSelection({ rating: r })} />
                      ))}
                      <MenuItem label={t('menu.noRating')} keyLabel="0" onSelect={() => void patchSelection({ rating: 0 })} />
                    </SubMenu>
                    <SubMenu label={t('menu.flag')} icon={<Check size={14} />}>
                      <MenuItem label={t('organise.pick')} shortcut="pick" onSelect={() => void patchSelection({ flag: 1 })} />
                      <MenuItem label={t('organise.reject')} shortcut="reject" onSelect={() => void patchSelection({ flag: -1 })} />
                      <MenuItem label={t('organise.unflag')} shortcut="unflag" onSelect={() => void patchSelection({ flag: 0 })} />
                    </SubMenu>
                    <MenuItem label={t('organise.tag')} icon={<Tags size={14} />} onSelect={later(() => setDialog('tags'))} />
                    <MenuItem label={t('organise.moveTo')} icon={<FolderInput size={14} />} onSelect={later(() => setDialog('move'))} />
                    <MenuItem label={t('organise.copyTo')} icon={<Copy size={14} />} onSelect={later(() => setDialog('copy'))} />
                    <MenuItem label={t('menu.export')} icon={<Download size={14} />} shortcut="exportImages" onSelect={later(() => setDialog('export'))} />
                    {bridge ? (
                      <MenuItem label={t('menu.reveal')} icon={<FolderOpen size={14} />} onSelect={() => bridge.revealFile(target.blob.id)} />
                    ) : null}
                    <MenuSeparator />
                    <UndoMenuItems />
                    <MenuSeparator />
                    <MenuItem label={t('organise.trash')} icon={<Trash2 size={14} />} shortcut="gridTrash" danger onSelect={() => void trashSelection()} />
                  </>
                )}
              </>
            ) : null}
          </ContextMenu.Content>
        </ContextMenu.Portal>
      </ContextMenu.Root>
      <TagDialog open={dialog === 'tags'} onOpenChange={(o) => !o && setDialog(null)} />
      <FolderPickDialog kind={dialog === 'move' || dialog === 'copy' ? dialog : null} onOpenChange={(o) => !o && setDialog(null)} />
      {dialog === 'export' ? <ExportDialog open onOpenChange={(o) => !o && setDialog(null)} /> : null}
    </>
  );
}
