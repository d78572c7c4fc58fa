import { Loader2, Sparkles } from 'lucide-react';
import { useCallback, useEffect, useId, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import {
  PROVIDER_IDS,
  estimateCredits,
  estimateUsd,
  isCustomModel,
  modelsOf,
  promptLength,
  type ModelId,
  type ProviderId,
} from '@shared/capabilities';
import { formatUsd, modelLabel, providerLabel } from '../../i18n/format';
import { ariaShortcut, isSubmitEnter, matchesShortcut, shortcutLabels } from '../../lib/keys';
import { useCapability, useComposer } from '../../store/composer';
import { useFolders } from '../../store/folders';
import { usePrices } from '../../store/prices';
import { useSettings } from '../../store/settings';
import { ErrorText } from '../../ui/ErrorText';
import { ParamControl } from './ParamControl';
import { References } from './References';
import { CompareModelsButton } from '../compare/Compare';
import { BatchButton } from '../batches/BatchDialog';
import { EditBar } from '../chains/EditBar';
import { blockerText, useGenerateBlocker } from './useGenerateBlocker';
import { BudgetLine } from '../budgets/BudgetLine';
import { OverBudgetDialog } from '../budgets/OverBudgetDialog';
import { KitShelf } from '../kits/KitShelf';

const NO_MODELS: readonly ModelId[] = [];

/** The composer docked under the gallery: prompt, provider and model, parameters, references, cost, Generate. */
export function Composer() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const provider = useComposer((s) => s.provider);
  const model = useComposer((s) => s.model);
  const prompt = useComposer((s) => s.prompt);
  const params = useComposer((s) => s.params);
  const submitting = useComposer((s) => s.submitting);
  const submitError = useComposer((s) => s.submitError);
  const cap = useCapability();
  const setProvider = useComposer((s) => s.setProvider);
  const setModel = useComposer((s) => s.setModel);
  const setPrompt = useComposer((s) => s.setPrompt);
  const setParam = useComposer((s) => s.setParam);
  const submit = useComposer((s) => s.submit);
  const clearSubmitError = useComposer((s) => s.clearSubmitError);
  const folderId = useFolders((s) => s.selectedId);
  const openSettings = useSettings((s) => s.setOpen);
  const namedModels = useSettings((s) => s.providers['openai-compatible']?.customModels) ?? NO_MODELS;
  const customModels = useMemo(() => namedModels.filter(isCustomModel), [namedModels]);
  const blocker = useGenerateBlocker(folderId, cap);

  const invalidParams = useMemo(() => {
    const r = cap.params.safeParse(params);
    return new Set(r.success ? [] : r.error.issues.map((i) => String(i.path[0] ?? '')));
  }, [cap, params]);
  const length = promptLength(cap, prompt);
  const tooLong = length > cap.maxPromptChars;
  const prices = usePrices((s) => s.table);
  // No estimate for parameters the model refuses (a count of 0 or 2.5 costs nothing: it cannot be sent).
  const credits = invalidParams.size === 0 ? estimateCredits(provider, model, params, prices) : null;
  const refCount = useComposer((s) => s.references.length);
  const usd = credits === null && invalidParams.size === 0 ? estimateUsd(provider, model, params, refCount, prices, prompt) : null;
  const cost =
    provider === 'sandbox'
      ? t('composer.costFree')
      : credits !== null
        ? t('composer.cost', { count: credits })
        : usd !== null
          ? t('composer.costUsd', { amount: formatUsd(usd, i18n.language) })
          : t('composer.costUnknown');

  const generate = useCallback(() => {
    if (blocker || submitting || !folderId) return;
    void submit(folderId);
  }, [blocker, submitting, folderId, submit]);

  // Ctrl/⌘+Enter from anywhere in the window (not while a dialog is open).
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!isSubmitEnter(e) || !matchesShortcut(e, 'generate') || e.defaultPrevented) return;
      if (document.querySelector('[role="dialog"],[role="alertdialog"]')) return;
      e.preventDefault();
      generate();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [generate]);

  return (
    <section className="composer" aria-label={t('composer.label')}>
      <div className="composer-main">
        <div className="prompt-field">
          <label htmlFor={`${id}-prompt`} className="field-label">
            {t('composer.prompt')}
          </label>
          <textarea
            id={`${id}-prompt`}
            className={`textarea${tooLong ? ' is-invalid' : ''}`}
            rows={3}
            value={prompt}
            placeholder={t('composer.promptPlaceholder')}
            aria-invalid={tooLong}
            aria-describedby={`${id}-count${tooLong ? ` ${id}-toolong` : ''}`}
            aria-keyshortcuts={ariaShortcut('generate')}
            onChange={(e) => setPrompt(e.target.value)}
          />
          <div className="prompt-foot">
            {tooLong ? (
              <p id={`${id}-toolong`} className="error-text" aria-live="polite">
                {t('errors.prompt_too_long', { length, max: cap.maxPromptChars })}
              </p>
            ) : (
              <span />
            )}
            <span id={`${id}-count`} className={`char-count${tooLong ? ' is-over' : ''}`}>
              {t('composer.charCount', { length, max: cap.maxPromptChars })}
            </span>
          </div>
        </div>
        <EditBar />
        <References />
        <KitShelf />
      </div>

      <div className="composer-side">
        <div className="composer-controls">
          <div className="field field-provider">
            <label htmlFor={`${id}-provider`} className="field-label">
              {t('composer.provider')}
            </label>
            <select
              id={`${id}-provider`}
              className="select"
              title={providerLabel(t, provider)}
              value={provider}
              onChange={(e) => setProvider(e.target.value as ProviderId, customModels)}
            >
              {PROVIDER_IDS.map((p) => (
                <option key={p} value={p}>
                  {providerLabel(t, p)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-model`} className="field-label">
              {t('composer.model')}
            </label>
            <select id={`${id}-model`} className="select" value={model} onChange={(e) => setModel(e.target.value as ModelId)}>
              {modelsOf(provider, customModels).map((m) => (
                <option key={m} value={m}>
                  {modelLabel(t, m)}
                </option>
              ))}
            </select>
          </div>
          {cap.controls.map((c) => (
            <ParamControl
              key={`${model}-${c.name}`}
              control={c}
              value={params[c.name]}
              invalid={invalidParams.has(c.name)}
              onChange={(v) => setParam(c.name, v)}
            />
          ))}
        </div>

        <div className="composer-footer">
          <div className="composer-status">
            <span className={`cost${provider === 'sandbox' ? ' is-free' : ''}`}>
              <span className="sr-only">{t('composer.costLabel')}: </span>
              {cost}
            </span>
            <BudgetLine folderId={folderId} credits={provider === 'sandbox' ? null : credits} usd={provider === 'sandbox' ? null : usd} />
            {blocker ? (
              <span id={`${id}-reason`} className="reason">
                {blockerText(t, blocker)}
                {blocker.kind === 'noKey' ? (
                  <>
                    {' '}
                    <button type="button" className="link" onClick={() => openSettings(true, blocker.provider)}>
                      {t('composer.openSettings')}
                    </button>
                  </>
                ) : null}
              </span>
            ) : (
              <span className="muted shortcut">{t('composer.shortcut', { keys: shortcutLabels('generate')[0] })}</span>
            )}
          </div>
          <CompareModelsButton disabled={!folderId || submitting} />
          <BatchButton disabled={!folderId || submitting} />
          <button
            type="button"
            className="btn btn-primary btn-generate"
            disabled={!!blocker || submitting}
            aria-busy={submitting}
            aria-describedby={blocker ? `${id}-reason` : undefined}
            aria-keyshortcuts={ariaShortcut('generate')}
            onClick={generate}
          >
            {submitting ? (
              <Loader2 size={16} aria-hidden="true" className="spin" />
            ) : (
              <Sparkles size={16} aria-hidden="true" />
            )}
            <span>{t('composer.generate')}</span>
          </button>
        </div>
        {submitError?.code === 'budget_exceeded' ? null : <ErrorText error={submitError} className="submit-error" />}
        <OverBudgetDialog
          error={submitError}
          onCancel={clearSubmitError}
          onConfirm={() => folderId && void submit(folderId, { overrideBudget: true })}
        />
      </div>
    </section>
  );
}
