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
      <NameField
        id={id}
        label={label}
        value={name}
        missing={missing}
        error={error}
        selectOnFocus
        onChange={(v) => {
          setName(v);
          setMissing(false);
        }}
      />
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

interface NameFieldProps {
  /** The ids' stem: the input is `${id}-name`, the message under it `${id}-err`. */
  id: string;
  label: string;
  value: string;
  /** Submitted empty: says a name is needed. */
  missing: boolean;
  /** The server's refusal, shown under the field when not `missing`. */
  error: AppErrorShape | null;
  /** Selects the text on focus (a rename starts from the old name). */
  selectOnFocus?: boolean;
  onChange(value: string): void;
}

/** A project or folder name: label, input (at most 200 characters) and the message under it. */
export function NameField({ id, label, value, missing, error, selectOnFocus = false, onChange }: NameFieldProps) {
  const { t } = useTranslation();
  return (
    <>
      <label htmlFor={`${id}-name`} className="field-label">
        {label}
      </label>
      <input
        id={`${id}-name`}
        className="input"
        value={value}
        autoComplete="off"
        spellCheck={false}
        maxLength={200}
        aria-invalid={missing || !!error}
        aria-describedby={missing || error ? `${id}-err` : undefined}
        onChange={(e) => onChange(e.target.value)}
        onFocus={selectOnFocus ? (e) => e.currentTarget.select() : undefined}
      />
      {missing ? (
        <p role="alert" id={`${id}-err`} className="error-text">
          {t('folders.nameRequired')}
        </p>
      ) : (
        <ErrorText error={error} id={`${id}-err`} />
      )}
    </>
  );
}
