import { Plus, Trash2 } from 'lucide-react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  PROVIDER_IDS,
  capabilityOf,
  carryParams,
  estimateCredits,
  estimateUsd,
  isCustomModel,
  modelsOf,
  type ModelId,
  type ProviderId,
} from '@shared/capabilities';
import { COMPARE_MAX, COMPARE_MIN } from '@shared/contracts/compare';
import type { AppErrorShape } from '@shared/errors';
import { describeError, errorShape, modelLabel, providerLabel } from '../../i18n/format';
import { call } from '../../transport';
import { useComposer } from '../../store/composer';
import { useFolders } from '../../store/folders';
import { usePrices } from '../../store/prices';
import { useSettings } from '../../store/settings';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { OverBudgetDialog } from '../budgets/OverBudgetDialog';
import { ParamControl } from '../composer/ParamControl';
import { formatCredits, formatUsd, totalEstimate } from './cost';
import { useCompare } from './store';

interface RunRow {
  key: number;
  provider: ProviderId;
  model: ModelId;
  params: Record<string, unknown>;
}

/** A run's parameters started from the composer's (what still applies), one image per run. */
function rowFor(key: number, provider: ProviderId, model: ModelId, from: Record<string, unknown>): RunRow {
  const cap = capabilityOf(provider, model)!;
  return { key, provider, model, params: { ...carryParams(cap, from), [cap.countParam]: 1 } };
}

/**
 * Runs to suggest, in order: the composer's own, the same model at other providers (the offline sandbox only when
 * the composer is on it), then the provider's other models.
 */
function suggestions(provider: ProviderId, model: ModelId): [ProviderId, ModelId][] {
  const out: [ProviderId, ModelId][] = [[provider, model]];
  for (const p of PROVIDER_IDS) {
    if (p === provider || p === 'openai-compatible' || p === 'sandbox') continue;
    if (modelsOf(p).includes(model)) out.push([p, model]);
  }
  for (const m of modelsOf(provider)) if (m !== model) out.push([provider, m]);
  return out;
}

/** "Compare models": the composer's prompt and references fanned out to 2–4 provider-and-model runs. */
export function RunDialog() {
  const { t } = useTranslation();
  const open = useCompare((s) => s.runOpen);
  const setOpen = useCompare((s) => s.setRunOpen);
  return (
    <Modal open={open} onOpenChange={setOpen} title={t('compare.runTitle')} className="cmp-run-dialog">
      <RunForm onDone={() => setOpen(false)} />
    </Modal>
  );
}

function RunForm({ onDone }: { onDone(): void }) {
  const { t, i18n } = useTranslation();
  const composer = useComposer.getState();
  const prompt = useComposer((s) => s.prompt);
  const references = useComposer((s) => s.references);
  const folderId = useFolders((s) => s.selectedId);
  const named = useSettings((s) => s.providers['openai-compatible']?.customModels);
  const customModels = useMemo(() => (named ?? []).filter(isCustomModel), [named]);
  const [rows, setRows] = useState<RunRow[]>(() =>
    suggestions(composer.provider, composer.model)
      .slice(0, 2)
      .map(([p, m], i) => rowFor(i, p, m, composer.params)),
  );
  const [nextKey, setNextKey] = useState(rows.length);
  const [blind, setBlind] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const ready = references.flatMap((r) => (r.staged ? [{ blobId: r.staged.id, name: r.name }] : []));
  const prices = usePrices((s) => s.table);
  const total = totalEstimate(rows, ready.length, prices, prompt);
  const lang = i18n.language;
  const runOfError = typeof error?.params?.['run'] === 'number' ? (error.params['run'] as number) - 1 : -1;

  const update = (i: number, row: RunRow): void => {
    setRows((rs) => rs.map((r, j) => (j === i ? row : r)));
    setError(null);
  };

  /** `overrideBudget`: the user confirmed passing the project's budget (after a `budget_exceeded` refusal). */
  const submit = async (overrideBudget = false): Promise<void> => {
    if (!folderId || busy) return;
    setBusy(true);
    setError(null);
    try {
      const set = await call('compare.run', {
        folderId,
        prompt,
        references: ready,
        runs: rows.map(({ provider, model, params }) => ({ provider, model, params })),
        blind,
        ...(overrideBudget ? { overrideBudget: true } : {}),
      });
      onDone();
      await useCompare.getState().open(set.id);
    } catch (err) {
      setError(errorShape(err));
    } finally {
      setBusy(false);
    }
  };

  // A zero part is left out ("≈ 23 credits", not "≈ 23 credits + ≈ $0.00"); all free shows the one zero.
  const creditPart = total.creditRuns ? formatCredits(t, total.credits, true) : null;
  const usdPart = total.usdRuns ? formatUsd(total.usd, lang, true) : null;
  const nonZero = [total.credits > 0 ? creditPart : null, total.usd > 0 ? usdPart : null].filter(Boolean);
  const totalText = (nonZero.length > 0 ? nonZero : [usdPart ?? creditPart].filter(Boolean)).join(' + ');

  return (
    <div className="cmp-run">
      <p className="cmp-run-prompt">
        <span className="field-label">{t('composer.prompt')}</span>
        <span>{prompt.trim() || <em className="muted">{t('compare.noPrompt')}</em>}</span>
        <span className="muted">{t('compare.refCount', { count: ready.length })}</span>
      </p>
      <ol className="cmp-runs" aria-label={t('compare.runs')}>
        {rows.map((row, i) => {
          const cap = capabilityOf(row.provider, row.model)!;
          const credits = estimateCredits(row.provider, row.model, row.params, prices);
          const usd = estimateUsd(row.provider, row.model, row.params, ready.length, prices, prompt);
          const invalid = new Set(
            (() => {
              const r = cap.params.safeParse(row.params);
              return r.success ? [] : r.error.issues.map((x) => String(x.path[0] ?? ''));
            })(),
          );
          const label = t('compare.runLabel', { n: i + 1 });
          return (
            <li key={row.key} className={`cmp-run-row${runOfError === i ? ' is-invalid' : ''}`} aria-label={label}>
              <div className="cmp-run-head">
                <strong>{label}</strong>
                <span className="muted cmp-run-cost">
                  {row.provider === 'sandbox'
                    ? t('composer.costFree')
                    : [credits !== null ? formatCredits(t, credits, true) : null, usd !== null ? formatUsd(usd, lang, true) : null]
                        .filter(Boolean)
                        .join(' · ') || t('compare.costUnknown')}
                </span>
                <button
                  type="button"
                  className="btn btn-ghost btn-icon"
                  aria-label={t('compare.removeRun', { n: i + 1 })}
                  disabled={rows.length <= COMPARE_MIN}
                  onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}
                >
                  <Trash2 size={16} aria-hidden="true" />
                </button>
              </div>
              <div className="composer-controls">
                <label className="field">
                  <span className="field-label">{t('composer.provider')}</span>
                  <select
                    className="select"
                    value={row.provider}
                    onChange={(e) => {
                      const p = e.target.value as ProviderId;
                      const models = modelsOf(p, customModels);
                      const m = models.includes(row.model) ? row.model : models[0]!;
                      update(i, rowFor(row.key, p, m, row.params));
                    }}
                  >
                    {PROVIDER_IDS.map((p) => (
                      <option key={p} value={p}>
                        {providerLabel(t, p)}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field">
                  <span className="field-label">{t('composer.model')}</span>
                  <select
                    className="select"
                    value={row.model}
                    onChange={(e) => update(i, rowFor(row.key, row.provider, e.target.value as ModelId, row.params))}
                  >
                    {modelsOf(row.provider, customModels).map((m) => (
                      <option key={m} value={m}>
                        {modelLabel(t, m)}
                      </option>
                    ))}
                  </select>
                </label>
                {cap.controls
                  .filter((c) => c.name !== cap.countParam)
                  .map((c) => (
                    <ParamControl
                      key={`${row.model}-${c.name}`}
                      control={c}
                      value={row.params[c.name]}
                      invalid={invalid.has(c.name)}
                      onChange={(v) => update(i, { ...row, params: { ...row.params, [c.name]: v } })}
                    />
                  ))}
              </div>
              {runOfError === i && error ? (
                <p className="error-text" role="alert">
                  {describeError(t, error)}
                </p>
              ) : null}
            </li>
          );
        })}
      </ol>
      <div className="cmp-run-actions">
        <button
          type="button"
          className="btn btn-plain"
          disabled={rows.length >= COMPARE_MAX}
          onClick={() => {
            const used = new Set(rows.map((r) => `${r.provider}/${r.model}`));
            const [p, m] = suggestions(composer.provider, composer.model).find(([pp, mm]) => !used.has(`${pp}/${mm}`)) ?? [
              composer.provider,
              composer.model,
            ];
            setRows((rs) => [...rs, rowFor(nextKey, p, m, composer.params)]);
            setNextKey((k) => k + 1);
          }}
        >
          <Plus size={16} aria-hidden="true" /> {t('compare.addRun')}
        </button>
        <label className="checkbox">
          <input type="checkbox" checked={blind} onChange={(e) => setBlind(e.target.checked)} />
          <span>{t('compare.blindOption')}</span>
        </label>
      </div>
      <p className="cmp-total" aria-live="polite">
        <span className="field-label">{t('compare.total')}</span>{' '}
        <strong>{totalText || (total.unknownRuns ? t('compare.costUnknown') : t('composer.costFree'))}</strong>
        {total.unknownRuns && totalText ? <span className="muted"> {t('compare.plusUnknown', { count: total.unknownRuns })}</span> : null}
      </p>
      <OverBudgetDialog error={error} onCancel={() => setError(null)} onConfirm={() => void submit(true)} />
      {runOfError < 0 && error?.code !== 'budget_exceeded' ? <ErrorText error={error} /> : null}
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onDone}>
          {t('app.cancel')}
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy || !folderId || !prompt.trim() || references.some((r) => !r.staged)}
          aria-busy={busy}
          onClick={() => void submit()}
        >
          {t('compare.runSubmit', { count: rows.length })}
        </button>
      </div>
    </div>
  );
}
