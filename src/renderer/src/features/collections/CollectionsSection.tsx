import { Library, Pencil, Sparkles, Trash2, X } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Collection } from '@shared/organise';
import { useCollections } from '../../store/collections';
import { useSearch } from '../../store/search';
import { useToasts } from '../../store/toasts';
import { call } from '../../transport';
import { Modal } from '../../ui/Modal';
import { NameDialog } from '../folders/NameDialog';
import { openSource } from './openSource';

/**
 * The sidebar's second half: smart collections (saved searches, counts kept live), collections, and the trash.
 * Each entry is a button; the one on screen is marked `aria-current`. Beside each, Rename (a name dialog,
 * `collections.update`) and Delete (confirmed, `collections.delete`), both reachable with Tab.
 */
export function CollectionsSection() {
  const { t } = useTranslation();
  const collections = useCollections((s) => s.collections);
  const trashCount = useCollections((s) => s.trashCount);
  const source = useSearch((s) => s.source);
  const [deleting, setDeleting] = useState<Collection | null>(null);
  const [renaming, setRenaming] = useState<Collection | null>(null);
  const smart = collections.filter((c) => c.query !== null);
  const manual = collections.filter((c) => c.query === null);
  const current = (c: Collection): boolean => source.kind === 'collection' && source.id === c.id;

  const entry = (c: Collection, icon: React.ReactNode) => (
    <li key={c.id} className="source-row">
      <button
        type="button"
        className={`source-item${current(c) ? ' is-current' : ''}`}
        aria-current={current(c) ? 'page' : undefined}
        onClick={() => openSource({ kind: 'collection', id: c.id })}
      >
        <span aria-hidden="true" className="source-icon">
          {icon}
        </span>
        <span className="source-name">{c.name}</span>
        <span className="source-count">{c.count}</span>
      </button>
      <button
        type="button"
        className="btn btn-ghost btn-icon btn-xs source-action"
        aria-label={t('collections.rename', { name: c.name })}
        onClick={() => setRenaming(c)}
      >
        <Pencil size={12} aria-hidden="true" />
      </button>
      <button
        type="button"
        className="btn btn-ghost btn-icon btn-xs source-action"
        aria-label={t('collections.delete', { name: c.name })}
        onClick={() => setDeleting(c)}
      >
        <X size={12} aria-hidden="true" />
      </button>
    </li>
  );

  return (
    <div className="sources">
      {smart.length > 0 ? (
        <>
          <h3 className="sources-title" id="smart-collections-heading">
            {t('collections.smart')}
          </h3>
          <ul className="source-list" aria-labelledby="smart-collections-heading">
            {smart.map((c) => entry(c, <Sparkles size={14} />))}
          </ul>
        </>
      ) : null}
      {manual.length > 0 ? (
        <>
          <h3 className="sources-title" id="collections-heading">
            {t('collections.heading')}
          </h3>
          <ul className="source-list" aria-labelledby="collections-heading">
            {manual.map((c) => entry(c, <Library size={14} />))}
          </ul>
        </>
      ) : null}
      <button
        type="button"
        className={`source-item source-trash${source.kind === 'trash' ? ' is-current' : ''}`}
        aria-current={source.kind === 'trash' ? 'page' : undefined}
        onClick={() => openSource({ kind: 'trash' })}
      >
        <span aria-hidden="true" className="source-icon">
          <Trash2 size={14} />
        </span>
        <span className="source-name">{t('trash.heading')}</span>
        <span className="source-count">{trashCount}</span>
      </button>
      <NameDialog
        open={renaming !== null}
        onOpenChange={(o) => !o && setRenaming(null)}
        title={t('collections.renameTitle', { name: renaming?.name ?? '' })}
        label={t('organise.collectionName')}
        submitLabel={t('folders.rename')}
        initial={renaming?.name ?? ''}
        onSubmit={async (name) => {
          if (!renaming) return;
          await call('collections.update', { id: renaming.id, name });
          await useCollections.getState().load();
        }}
      />
      <Modal
        open={deleting !== null}
        onOpenChange={(o) => !o && setDeleting(null)}
        role="alertdialog"
        title={t('collections.deleteTitle', { name: deleting?.name ?? '' })}
        description={t('collections.deleteBody')}
      >
        <div className="form-actions">
          <button type="button" className="btn btn-plain" onClick={() => setDeleting(null)}>
            {t('app.cancel')}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => {
              const c = deleting;
              setDeleting(null);
              if (!c) return;
              call('collections.delete', { id: c.id })
                .then(() => {
                  if (current(c)) openSource({ kind: 'folder' });
                  void useCollections.getState().load();
                })
                .catch((err: unknown) => useToasts.getState().error(err));
            }}
          >
            {t('collections.deleteConfirm')}
          </button>
        </div>
      </Modal>
    </div>
  );
}
