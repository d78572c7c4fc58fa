import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { useFolders } from '../../store/folders';
import { useGallery } from '../../store/gallery';
import { useSearch } from '../../store/search';
import { useSelection } from '../../store/selection';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { pathTo } from '../folders/tree';
import { moveOrCopySelection } from './actions';

/** "Move to…" / "Copy to…" for the selected images: every project and folder, indented. */
export function FolderPickDialog({ kind, onOpenChange }: { kind: 'move' | 'copy' | null; onOpenChange(open: boolean): void }) {
  const { t } = useTranslation();
  const count = useSelection((s) => s.ids.size);
  return (
    <Modal
      open={kind !== null}
      onOpenChange={onOpenChange}
      title={kind === 'copy' ? t('organise.copyTitle', { count }) : t('organise.moveTitle', { count })}
    >
      {kind ? <PickForm kind={kind} onDone={() => onOpenChange(false)} /> : null}
    </Modal>
  );
}

function PickForm({ kind, onDone }: { kind: 'move' | 'copy'; onDone(): void }) {
  const { t } = useTranslation();
  const nodes = useFolders((s) => s.nodes);
  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [nodes]);
  // Depth-first order, so each folder follows its parent.
  const ordered = useMemo(() => {
    const out: { id: string; name: string; depth: number }[] = [];
    const walk = (parent: string | null, depth: number): void => {
      for (const n of nodes.filter((x) => x.parentId === parent)) {
        out.push({ id: n.id, name: n.name, depth });
        walk(n.id, depth + 1);
      }
    };
    walk(null, 0);
    return out;
  }, [nodes]);
  // Moving images to the folder they are shown in would do nothing: that folder is offered for Copy only.
  const here = useGallery((s) => s.folderId);
  const inFolder = useSearch((s) => s.source.kind === 'folder');
  const current = kind === 'move' && inFolder ? here : null;
  const [choice, setChoice] = useState<string | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!choice) return;
    setBusy(true);
    setError(null);
    try {
      await moveOrCopySelection(kind, choice);
      onDone();
    } catch (err) {
      setError(errorShape(err));
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)}>
      <fieldset className="move-list">
        <legend className="field-label">{t('organise.destination')}</legend>
        {ordered.map((f) => (
          <label key={f.id} className="move-option" style={{ paddingInlineStart: `${8 + f.depth * 16}px` }}>
            <input
              type="radio"
              name="asset-target"
              value={f.id}
              checked={choice === f.id}
              disabled={f.id === current}
              onChange={() => setChoice(f.id)}
            />
            <span title={pathTo(byId, f.id).map((p) => p.name).join(' / ')}>{f.name}</span>
            {f.id === current ? <span className="muted"> {t('organise.currentFolder')}</span> : null}
          </label>
        ))}
      </fieldset>
      <ErrorText error={error} />
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onDone}>
          {t('app.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || !choice}>
          {kind === 'copy' ? t('organise.copy') : t('organise.move')}
        </button>
      </div>
    </form>
  );
}
