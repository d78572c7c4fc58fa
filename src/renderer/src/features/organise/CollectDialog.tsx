import { useId, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { useCollections } from '../../store/collections';
import { selectedIds, useSelection } from '../../store/selection';
import { call } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';

const NEW = '__new__';

/** "Add to collection…": an existing collection, or a new one named here. No image is copied. */
export function CollectDialog({ open, onOpenChange }: { open: boolean; onOpenChange(open: boolean): void }) {
  const { t } = useTranslation();
  const count = useSelection((s) => s.ids.size);
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={t('organise.collectTitle', { count })}>
      {open ? <CollectForm onDone={() => onOpenChange(false)} /> : null}
    </Modal>
  );
}

function CollectForm({ onDone }: { onDone(): void }) {
  const { t } = useTranslation();
  const id = useId();
  // Filtered outside the selector: a new array from the selector on every read would re-render without end.
  const collections = useCollections((s) => s.collections);
  const manual = useMemo(() => collections.filter((c) => c.query === null), [collections]);
  const [choice, setChoice] = useState<string>(manual[0]?.id ?? NEW);
  const [name, setName] = useState('');
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const assetIds = selectedIds();
      if (choice === NEW) await call('collections.create', { name, query: null, assetIds });
      else await call('collections.add', { id: choice, assetIds });
      void useCollections.getState().load();
      onDone();
    } catch (err) {
      setError(errorShape(err));
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={`${id}-which`} className="field-label">
        {t('organise.collection')}
      </label>
      <select id={`${id}-which`} className="input" value={choice} onChange={(e) => setChoice(e.target.value)}>
        {manual.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
        <option value={NEW}>{t('organise.newCollection')}</option>
      </select>
      {choice === NEW ? (
        <>
          <label htmlFor={`${id}-name`} className="field-label">
            {t('organise.collectionName')}
          </label>
          <input id={`${id}-name`} className="input" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
        </>
      ) : null}
      <ErrorText error={error} />
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onDone}>
          {t('app.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || (choice === NEW && !name.trim())}>
          {t('organise.add')}
        </button>
      </div>
    </form>
  );
}
