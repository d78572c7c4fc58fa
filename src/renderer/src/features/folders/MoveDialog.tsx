import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { FolderNode } from '@shared/domain';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { useFolders } from '../../store/folders';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { childMap, moveTargets, pathTo } from './tree';

interface MoveDialogProps {
  folder: FolderNode | null;
  onOpenChange(open: boolean): void;
}

const TOP = '__top__';

/** "Move to…": lists only valid destinations (not itself, not inside itself, not where it already is). */
export function MoveDialog({ folder, onOpenChange }: MoveDialogProps) {
  const { t } = useTranslation();
  return (
    <Modal open={folder !== null} onOpenChange={onOpenChange} title={t('folders.moveTitle', { name: folder?.name ?? '' })}>
      {folder ? <MoveForm folder={folder} onDone={() => onOpenChange(false)} /> : null}
    </Modal>
  );
}

function MoveForm({ folder, onDone }: { folder: FolderNode; onDone(): void }) {
  const { t } = useTranslation();
  const nodes = useFolders((s) => s.nodes);
  const move = useFolders((s) => s.move);
  const [choice, setChoice] = useState<string | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);

  const targets = useMemo(() => moveTargets(nodes, childMap(nodes), folder.id), [nodes, folder]);
  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [nodes]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (choice === null) return;
    setBusy(true);
    setError(null);
    try {
      await move(folder.id, choice === TOP ? null : choice);
      onDone();
    } catch (err) {
      setError(errorShape(err));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="form">
      {targets.length === 0 ? (
        <p className="muted">{t('folders.noMoveTargets')}</p>
      ) : (
        <fieldset className="move-list">
          <legend className="field-label">{t('folders.moveTargets')}</legend>
          {targets.map((target) => {
            const value = target ? target.id : TOP;
            const depth = target ? pathTo(byId, target.id).length - 1 : 0;
            return (
              <label key={value} className="move-option" style={{ paddingInlineStart: `${8 + depth * 16}px` }}>
                <input
                  type="radio"
                  name="move-target"
                  value={value}
                  checked={choice === value}
                  onChange={() => setChoice(value)}
                />
                <span>{target ? target.name : t('folders.moveToTop')}</span>
              </label>
            );
          })}
        </fieldset>
      )}
      <ErrorText error={error} />
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onDone}>
          {t('app.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || choice === null}>
          {t('folders.move')}
        </button>
      </div>
    </form>
  );
}
