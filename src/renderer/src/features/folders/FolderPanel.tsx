import { FolderInput, FolderPlus, Pencil, Plus, Trash2 } from 'lucide-react';
import { BudgetDialogHost } from '../budgets/BudgetDialog';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FolderNode } from '@shared/domain';
import { describeError } from '../../i18n/format';
import { useFolders } from '../../store/folders';
import { IconButton } from '../../ui/IconButton';
import { DeleteDialog } from './DeleteDialog';
import { FolderTree, type FolderAction } from './FolderTree';
import { ExportDialog } from '../export/ExportDialog';
import { MoveDialog } from './MoveDialog';
import { NameDialog } from './NameDialog';
import { CollectionsSection } from '../collections/CollectionsSection';
import { openSource } from '../collections/openSource';
import { useSearch } from '../../store/search';

type DialogState =
  | { kind: 'newProject' }
  | { kind: 'newFolder'; parent: FolderNode }
  | { kind: 'rename'; node: FolderNode }
  | { kind: 'move'; node: FolderNode }
  | { kind: 'delete'; node: FolderNode }
  | { kind: 'export'; node: FolderNode }
  | null;

/** The left sidebar: projects and folders, and the actions on them. */
export function FolderPanel() {
  const { t } = useTranslation();
  const nodes = useFolders((s) => s.nodes);
  const loaded = useFolders((s) => s.loaded);
  const loadError = useFolders((s) => s.error);
  const selectedId = useFolders((s) => s.selectedId);
  const create = useFolders((s) => s.create);
  const rename = useFolders((s) => s.rename);
  const load = useFolders((s) => s.load);
  const select = useFolders((s) => s.select);
  const [dialog, setDialog] = useState<DialogState>(null);
  const selected = useMemo(() => nodes.find((n) => n.id === selectedId) ?? null, [nodes, selectedId]);
  const close = (open: boolean): void => {
    if (!open) setDialog(null);
  };

  return (
    <>
      <div className="sidebar-head">
        <h2 className="sidebar-title">{t('folders.heading')}</h2>
        <div className="toolbar" aria-label={t('folders.toolbar')} role="group">
          <IconButton
            label={t('folders.newFolder')}
            icon={<FolderPlus size={16} />}
            disabled={!selected}
            onClick={() => selected && setDialog({ kind: 'newFolder', parent: selected })}
          />
          <IconButton
            label={t('folders.rename')}
            icon={<Pencil size={15} />}
            disabled={!selected}
            aria-keyshortcuts="F2"
            onClick={() => selected && setDialog({ kind: 'rename', node: selected })}
          />
          <IconButton
            label={t('folders.moveTo')}
            icon={<FolderInput size={16} />}
            disabled={!selected}
            onClick={() => selected && setDialog({ kind: 'move', node: selected })}
          />
          <IconButton
            label={t('folders.delete')}
            icon={<Trash2 size={15} />}
            disabled={!selected}
            aria-keyshortcuts="Delete"
            onClick={() => selected && setDialog({ kind: 'delete', node: selected })}
          />
        </div>
      </div>
      {/* A click on a folder while a collection or the trash is on screen goes back to the folder. */}
      <div
        className="sidebar-body"
        onClickCapture={(e) => {
          if (useSearch.getState().source.kind !== 'folder' && (e.target as HTMLElement).closest('[role="treeitem"]')) {
            openSource({ kind: 'folder' });
          }
        }}
      >
        {loadError ? (
          <div className="sidebar-note" role="alert">
            <p>{t('folders.loadFailed')}</p>
            <p className="muted">{describeError(t, loadError)}</p>
            <button type="button" className="btn btn-plain" onClick={() => void load()}>
              {t('app.retry')}
            </button>
          </div>
        ) : loaded && nodes.length === 0 ? (
          <div className="sidebar-note">
            <p>{t('folders.empty')}</p>
            <p className="muted">{t('folders.emptyHint')}</p>
          </div>
        ) : (
          <FolderTree
            onRename={(node) => setDialog({ kind: 'rename', node })}
            onDelete={(node) => setDialog({ kind: 'delete', node })}
            onAction={(action: FolderAction, node) => {
              if (action === 'newFolder') setDialog({ kind: 'newFolder', parent: node });
              else if (action === 'export') {
                // The export dialog exports the folder on screen: show this one first.
                if (useSearch.getState().source.kind !== 'folder') openSource({ kind: 'folder' });
                select(node.id);
                setDialog({ kind: 'export', node });
              } else setDialog({ kind: action, node });
            }}
          />
        )}
      </div>
      <CollectionsSection />
      <BudgetDialogHost />
      <div className="sidebar-foot">
        <IconButton
          label={t('folders.newProject')}
          text={t('folders.newProject')}
          icon={<Plus size={16} />}
          variant="plain"
          className="btn-block"
          onClick={() => setDialog({ kind: 'newProject' })}
        />
      </div>

      <NameDialog
        open={dialog?.kind === 'newProject'}
        onOpenChange={close}
        title={t('folders.newProject')}
        label={t('folders.projectName')}
        submitLabel={t('folders.create')}
        onSubmit={async (name) => {
          await create(name, null);
        }}
      />
      <NameDialog
        open={dialog?.kind === 'newFolder'}
        onOpenChange={close}
        title={t('folders.newFolderTitle', { parent: dialog?.kind === 'newFolder' ? dialog.parent.name : '' })}
        label={t('folders.folderName')}
        submitLabel={t('folders.create')}
        onSubmit={async (name) => {
          if (dialog?.kind === 'newFolder') await create(name, dialog.parent.id);
        }}
      />
      <NameDialog
        open={dialog?.kind === 'rename'}
        onOpenChange={close}
        title={t('folders.renameTitle', { name: dialog?.kind === 'rename' ? dialog.node.name : '' })}
        label={t('folders.name')}
        submitLabel={t('folders.save')}
        initial={dialog?.kind === 'rename' ? dialog.node.name : ''}
        onSubmit={async (name) => {
          if (dialog?.kind === 'rename') await rename(dialog.node.id, name);
        }}
      />
      <MoveDialog folder={dialog?.kind === 'move' ? dialog.node : null} onOpenChange={close} />
      <DeleteDialog folder={dialog?.kind === 'delete' ? dialog.node : null} onOpenChange={close} />
      {dialog?.kind === 'export' ? (
        <ExportDialog open onOpenChange={close} scope={dialog.node.parentId === null ? 'project' : 'folder'} />
      ) : null}
    </>
  );
}
