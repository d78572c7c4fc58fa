import { X } from 'lucide-react';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TagCount } from '@shared/organise';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { isSubmitEnter } from '../../lib/keys';
import { selectedIds } from '../../store/selection';
import { tagAssets } from '../../store/undo-ops';
import { call } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';

/** Tags for the selection: type a tag (autocomplete from the library's tags, most used first), Enter adds it. */
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
  const [suggestions, setSuggestions] = useState<TagCount[]>([]);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      call('tags.suggest', { prefix: draft.trim(), limit: 8 })
        .then((s) => live && setSuggestions(s))
        .catch(() => live && setSuggestions([]));
    }, 120);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [draft]);

  const push = (): void => {
    const tag = draft.trim();
    if (tag && !adds.includes(tag)) setAdds([...adds, tag]);
    setDraft('');
  };

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
      <label htmlFor={`${id}-tag`} className="field-label">
        {t('organise.tagName')}
      </label>
      <input
        id={`${id}-tag`}
        className="input"
        list={`${id}-suggest`}
        value={draft}
        autoComplete="off"
        maxLength={64}
        aria-describedby={`${id}-hint`}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (isSubmitEnter(e) && draft.trim()) {
            e.preventDefault();
            push();
          }
        }}
      />
      <datalist id={`${id}-suggest`}>
        {suggestions.map((s) => (
          <option key={s.name} value={s.name}>
            {t('organise.tagUses', { count: s.count })}
          </option>
        ))}
      </datalist>
      <p id={`${id}-hint`} className="muted field-hint">
        {t('organise.tagHint')}
      </p>
      {adds.length > 0 ? (
        <ul className="tag-chips" aria-label={t('organise.tagsToAdd')}>
          {adds.map((tag) => (
            <li key={tag} className="tag-chip">
              <span>{tag}</span>
              <button
                type="button"
                className="btn btn-ghost btn-icon btn-xs"
                aria-label={t('organise.removeTag', { tag })}
                onClick={() => setAdds(adds.filter((a) => a !== tag))}
              >
                <X size={12} aria-hidden="true" />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
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
