import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { selectedIds } from '../../store/selection';
import { tagAssets } from '../../store/undo-ops';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { TagInput } from '../../ui/TagInput';

/**
 * Tags for the selection: type a tag (autocomplete from the library's tags, most used first), Enter adds it to the
 * chips, Backspace in the empty field takes the last one back; Add tags applies them (with any tag still typed).
 */
export function TagDialog({ open, onOpenChange }: { open: boolean; onOpenChange(open: boolean): void }) {
  const { t } = useTranslation();
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={t('organise.tagTitle')}>
      {open ? <TagForm onDone={() => onOpenChange(false)} /> : null}
    </Modal>
  );
}

function TagForm({ onDone }: { onDone(): void }) {
  const { t } = useTranslation();
  const id = useId();
  const [draft, setDraft] = useState('');
  const [adds, setAdds] = useState<string[]>([]);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const all = draft.trim() ? [...adds, draft.trim()] : adds;
    if (all.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      await tagAssets(selectedIds(), all, []);
      onDone();
    } catch (err) {
      setError(errorShape(err));
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)}>
      <TagInput
        id={`${id}-tag`}
        label={t('organise.tagName')}
        hint={t('organise.tagHint')}
        chips={adds.map((tag) => ({ tag }))}
        chipsLabel={t('organise.tagsToAdd')}
        removeLabel={(tag) => t('organise.removeTag', { tag })}
        value={draft}
        onValueChange={setDraft}
        onAdd={(tag) => {
          if (!adds.includes(tag)) setAdds([...adds, tag]);
        }}
        onRemove={(tag) => setAdds(adds.filter((a) => a !== tag))}
        backspaceRemovesLast
      />
      <ErrorText error={error} />
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onDone}>
          {t('app.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || (adds.length === 0 && !draft.trim())}>
          {t('organise.addTags')}
        </button>
      </div>
    </form>
  );
}
