import { BookImage, Check, Copy, FolderInput, Info, Layers, Library, ListMinus, RotateCcw, Star, Tags, Trash2, X, XCircle } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCollections } from '../../store/collections';
import { useSearch } from '../../store/search';
import { useSelection } from '../../store/selection';
import { useInspectorUi } from '../inspector/store';
import { IconButton } from '../../ui/IconButton';
import { patchSelection, removeSelectionFromCollection, restoreSelection, trashSelection } from './actions';
import { CollectDialog } from './CollectDialog';
import { DetailsDialog } from './DetailsDialog';
import { FolderPickDialog } from './FolderPickDialog';
import { TagDialog } from './TagDialog';
import { stackSelection } from '../stacks/store';
import { SaveKitDialog } from '../kits/SaveKitDialog';

type Dialog = 'tags' | 'details' | 'move' | 'copy' | 'collect' | 'kit' | null;

/**
 * The toolbar over a multi-selection: tag, rate, flag, details, move, copy, collect, stack, trash or restore; in a
 * manual collection, also remove from it. Always one row (organise.css): where it is narrow its buttons show their
 * icons only, and beside an open inspector (which has its own rating and flag controls) its rating and flag buttons
 * make way; what still does not fit scrolls sideways. A wrapped bar took the smallest window's grid down to 60 px.
 */
export function BulkBar() {
  const { t } = useTranslation();
  const ids = useSelection((s) => s.ids);
  const clear = useSelection((s) => s.clear);
  const inTrash = useSearch((s) => s.source.kind === 'trash');
  const collectionId = useSearch((s) => (s.source.kind === 'collection' ? s.source.id : null));
  // Only a manual collection has members to take out (a smart one is a saved search).
  const manual = useCollections((s) => s.collections.find((c) => c.id === collectionId && c.query === null) ?? null);
  const inspectorOpen = useInspectorUi((s) => s.open);
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = (open: boolean): void => {
    if (!open) setDialog(null);
  };
  if (ids.size === 0) return null;
  const first = ids.values().next().value as string;
  return (
    <div
      className={`bulk-bar${inspectorOpen ? ' beside-inspector' : ''}`}
      role="toolbar"
      aria-label={t('organise.toolbar')}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && dialog === null) {
          e.preventDefault();
          clear();
        }
      }}
    >
      <span className="bulk-count" aria-live="polite">
        {t('organise.selected', { count: ids.size })}
      </span>
      {inTrash ? (
        <IconButton label={t('organise.restore')} text={t('organise.restore')} icon={<RotateCcw size={14} />} variant="plain" onClick={() => void restoreSelection()} />
      ) : (
        <>
          <IconButton label={t('organise.tag')} text={t('organise.tag')} icon={<Tags size={14} />} variant="plain" onClick={() => setDialog('tags')} />
          <div className="star-group bulk-rating" role="group" aria-label={t('organise.rating')}>
            {[1, 2, 3, 4, 5].map((r) => (
              <IconButton
                key={r}
                label={t('organise.rate', { count: r })}
                icon={<Star size={14} />}
                aria-keyshortcuts={String(r)}
                onClick={() => void patchSelection({ rating: r })}
              />
            ))}
            <IconButton label={t('organise.clearRating')} icon={<X size={14} />} aria-keyshortcuts="0" onClick={() => void patchSelection({ rating: 0 })} />
          </div>
          <div className="bulk-flags">
            <IconButton label={t('organise.pick')} icon={<Check size={14} />} aria-keyshortcuts="P" onClick={() => void patchSelection({ flag: 1 })} />
            <IconButton label={t('organise.reject')} icon={<XCircle size={14} />} aria-keyshortcuts="X" onClick={() => void patchSelection({ flag: -1 })} />
            <IconButton label={t('organise.unflag')} icon={<X size={14} />} aria-keyshortcuts="U" onClick={() => void patchSelection({ flag: 0 })} />
          </div>
          <IconButton label={t('organise.details')} icon={<Info size={14} />} disabled={ids.size !== 1} onClick={() => setDialog('details')} />
          <IconButton label={t('organise.moveTo')} icon={<FolderInput size={14} />} onClick={() => setDialog('move')} />
          <IconButton label={t('organise.copyTo')} icon={<Copy size={14} />} onClick={() => setDialog('copy')} />
          <IconButton label={t('organise.addToCollection')} icon={<Library size={14} />} onClick={() => setDialog('collect')} />
          <IconButton label={t('kits.save')} icon={<BookImage size={14} />} disabled={ids.size > 16} onClick={() => setDialog('kit')} />
          {manual ? (
            <IconButton
              label={t('organise.removeFromCollection', { name: manual.name })}
              icon={<ListMinus size={14} />}
              onClick={() => void removeSelectionFromCollection(manual.id, manual.name)}
            />
          ) : null}
          <IconButton
            label={t('stacks.stackSelection', { count: ids.size })}
            text={t('stacks.stack')}
            icon={<Layers size={14} />}
            variant="plain"
            disabled={ids.size < 2}
            onClick={() => void stackSelection()}
          />
          <IconButton label={t('organise.trash')} icon={<Trash2 size={14} />} aria-keyshortcuts="Delete" onClick={() => void trashSelection()} />
        </>
      )}
      <div className="spacer" />
      <IconButton label={t('organise.clearSelection')} text={t('organise.clearSelection')} icon={<X size={14} />} aria-keyshortcuts="Escape" onClick={clear} />
      <TagDialog open={dialog === 'tags'} onOpenChange={close} />
      <DetailsDialog assetId={dialog === 'details' ? first : null} onOpenChange={close} />
      <FolderPickDialog kind={dialog === 'move' || dialog === 'copy' ? dialog : null} onOpenChange={close} />
      <CollectDialog open={dialog === 'collect'} onOpenChange={close} />
      <SaveKitDialog open={dialog === 'kit'} onOpenChange={close} />
    </div>
  );
}
