import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { KeyedProviderId } from '@shared/capabilities';
import type { AppErrorShape } from '@shared/errors';
import { errorShape, providerShortLabel } from '../../i18n/format';
import { isSubmitEnter } from '../../lib/keys';
import { useComposer } from '../../store/composer';
import { useFolders } from '../../store/folders';
import { useSettings } from '../../store/settings';
import { useToasts } from '../../store/toasts';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { NameField } from '../folders/NameDialog';
import { ConnectionResult } from '../settings/ConnectionResult';
import { KeyField, KeyStatus } from '../settings/KeyField';
import './welcome.css';

/** The ways to make images the welcome offers: the sandbox (no key) or one of the three hosted providers. */
const CHOICES = ['sandbox', 'apiframe', 'evolink', 'openai'] as const satisfies readonly ('sandbox' | KeyedProviderId)[];
type Choice = (typeof CHOICES)[number];

/**
 * The first-run welcome: on a library with no project whose welcome was never finished or skipped. It names and
 * creates the first project (focus starts in its name field) and sets the composer's provider: the sandbox, or
 * Apiframe, EvoLink or OpenAI with a key saved to the keychain (`settings.setKey`, the renderer never gets it back)
 * and checked (`settings.check`) as in Settings. Skip, Escape and the close button skip it; either way it is not
 * shown again (`app.completeWelcome`).
 */
export function Welcome() {
  const { t } = useTranslation();
  const welcomeDone = useSettings((s) => s.welcomeDone);
  const foldersLoaded = useFolders((s) => s.loaded);
  const foldersError = useFolders((s) => s.error);
  const noProjects = useFolders((s) => !s.nodes.some((n) => n.parentId === null));
  const [closed, setClosed] = useState(false);
  // Decided once: a project made elsewhere while it is open does not pull it away from under the user.
  const [shown, setShown] = useState(false);
  if (!shown && !closed && welcomeDone === false && foldersLoaded && !foldersError && noProjects) setShown(true);
  const open = shown && !closed;

  const finish = (): void => {
    setClosed(true);
    useSettings
      .getState()
      .completeWelcome()
      .catch((err: unknown) => useToasts.getState().error(err));
  };

  return (
    <Modal
      open={open}
      onOpenChange={(o) => {
        if (!o) finish();
      }}
      title={t('welcome.title')}
      description={t('welcome.intro')}
      className="welcome"
    >
      <WelcomeForm onDone={finish} />
    </Modal>
  );
}

function WelcomeForm({ onDone }: { onDone(): void }) {
  const { t } = useTranslation();
  const id = useId();
  const [name, setName] = useState('');
  const [missing, setMissing] = useState(false);
  const [choice, setChoice] = useState<Choice>('sandbox');
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [keyError, setKeyError] = useState<AppErrorShape | null>(null);
  const providers = useSettings((s) => s.providers);
  const account = useSettings((s) => (choice === 'sandbox' ? undefined : s.account[choice])) ?? { status: 'idle' as const };
  const chosen = choice === 'sandbox' ? null : providers[choice];

  useEffect(() => {
    void useSettings.getState().loadProviders();
  }, []);

  const saveAndCheck = async (): Promise<void> => {
    if (choice === 'sandbox' || key.trim() === '') return;
    setBusy(true);
    setKeyError(null);
    try {
      await useSettings.getState().setKey(choice, key.trim());
      setKey('');
      await useSettings.getState().checkConnection(choice);
    } catch (err) {
      setKeyError(errorShape(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setMissing(true);
      document.getElementById(`${id}-name`)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    // A key typed but not saved yet is saved now: Create must not drop it and quietly leave the sandbox chosen. A key
    // the keychain refuses stops here, its error under its field, and no project is made.
    if (choice !== 'sandbox' && key.trim() !== '') {
      setKeyError(null);
      try {
        await useSettings.getState().setKey(choice, key.trim());
        setKey('');
      } catch (err) {
        setKeyError(errorShape(err));
        setBusy(false);
        return;
      }
    }
    try {
      const folders = useFolders.getState();
      const project = await folders.create(trimmed, null);
      folders.select(project.id);
      // The chosen provider once it has a key; the sandbox otherwise (it always works).
      const provider = choice !== 'sandbox' && useSettings.getState().providers[choice]?.keySet ? choice : 'sandbox';
      useComposer.getState().setProvider(provider);
      onDone();
    } catch (err) {
      setError(errorShape(err));
      setBusy(false);
    }
  };

  return (
    <form className="form welcome-form" onSubmit={(e) => void submit(e)}>
      <NameField
        id={id}
        label={t('welcome.projectName')}
        value={name}
        missing={missing}
        error={error}
        onChange={(v) => {
          setName(v);
          setMissing(false);
        }}
      />

      <fieldset className="welcome-choices">
        <legend className="field-label">{t('welcome.makeWith')}</legend>
        {CHOICES.map((c) => (
          <label key={c} className={`welcome-choice${choice === c ? ' is-on' : ''}`}>
            <input
              type="radio"
              name={`${id}-provider`}
              value={c}
              checked={choice === c}
              aria-describedby={`${id}-${c}-hint`}
              onChange={() => {
                setChoice(c);
                setKeyError(null);
              }}
            />
            <span className="welcome-choice-text">
              <span className="welcome-choice-name">{providerShortLabel(t, c)}</span>
              <span id={`${id}-${c}-hint`} className="muted small">
                {t(`welcome.hint.${c}`)}
              </span>
            </span>
          </label>
        ))}
      </fieldset>

      {choice !== 'sandbox' ? (
        <div className="welcome-key">
          <KeyStatus settings={chosen ?? undefined} />
          <div className="form-row">
            <KeyField
              id={`${id}-key`}
              label={t('welcome.keyLabel', { provider: providerShortLabel(t, choice) })}
              value={key}
              onChange={setKey}
              onKeyDown={(e) => {
                // Enter here saves the key; it does not create the project.
                if (isSubmitEnter(e)) {
                  e.preventDefault();
                  void saveAndCheck();
                }
              }}
            />
            <button type="button" className="btn btn-plain" disabled={busy || key.trim() === ''} onClick={() => void saveAndCheck()}>
              {t('welcome.saveAndCheck')}
            </button>
          </div>
          <ErrorText error={keyError} />
          <div className="balance-row">
            {chosen?.keySet ? (
              <button
                type="button"
                className="btn btn-plain"
                disabled={busy || account.status === 'loading'}
                onClick={() => void useSettings.getState().checkConnection(choice)}
              >
                {t('settings.checkConnection')}
              </button>
            ) : null}
            <ConnectionResult check={account} />
          </div>
        </div>
      ) : null}

      <p className="muted small">{t('welcome.later')}</p>
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onDone}>
          {t('welcome.skip')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('welcome.create')}
        </button>
      </div>
    </form>
  );
}
