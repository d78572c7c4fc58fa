import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';

interface NameDialogProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  title: string;
  label: string;
  submitLabel: string;
  initial?: string;
  onSubmit(name: string): Promise<void>;
}

/** Asks for one name (new project, new folder, rename); server errors show under the field. */
export function NameDialog({ open, onOpenChange, title, ...form }: NameDialogProps) {
  // The form lives inside the dialog's content, which unmounts on close: each opening starts afresh.
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={title}>
      <NameForm {...form} onDone={() => onOpenChange(false)} />
    </Modal>
  );
}

function NameForm({
  label,
  submitLabel,
  initial = '',
  onSubmit,
  onDone,
}: Omit<NameDialogProps, 'open' | 'onOpenChange' | 'title'> & { onDone(): void }) {
  const { t } = useTranslation();
  const id = useId();
  const [name, setName] = useState(initial);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setMissing(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(trimmed);
      onDone();
    } catch (err) {
      setError(errorShape(err));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="form">
      <label htmlFor={`${id}-name`} className="field-label">
        {label}
      </label>
      <input
        id={`${id}-name`}
        className="input"
        value={name}
        autoComplete="off"
        spellCheck={false}
        maxLength={200}
        aria-invalid={missing || !!error}
        aria-describedby={missing || error ? `${id}-err` : undefined}
        onChange={(e) => {
          setName(e.target.value);
          setMissing(false);
        }}
        onFocus={(e) => e.currentTarget.select()}
      />
      {missing ? (
        <p role="alert" id={`${id}-err`} className="error-text">
          {t('folders.nameRequired')}
        </p>
      ) : (
        <ErrorText error={error} id={`${id}-err`} />
      )}
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onDone}>
          {t('app.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
