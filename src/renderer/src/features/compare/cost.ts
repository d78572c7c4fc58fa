import type { TFunction } from 'i18next';
import { estimateCredits, estimateUsd, type ModelId, type ProviderId } from '@shared/capabilities';
import { DEFAULT_PRICES, type PriceTable } from '@shared/pricing';

/** Credits as "9 credits", with "≈" for an estimate. */
export const formatCredits = (t: TFunction, credits: number, estimate: boolean): string =>
  `${estimate ? '≈ ' : ''}${t('compare.credits', { count: credits })}`;

/** USD as "$0.042", with "≈" for an estimate. */
export function formatUsd(usd: number, locale: string, estimate: boolean): string {
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', maximumFractionDigits: 3 }).format(usd);
  return `${estimate ? '≈ ' : ''}${money}`;
}

/** The estimated total of a fan-out: known credits and USD summed; runs whose cost is unknown counted apart. */
export interface TotalEstimate {
  credits: number;
  usd: number;
  /** Runs with a credits estimate / a USD estimate. */
  creditRuns: number;
  usdRuns: number;
  /** Runs with neither. */
  unknownRuns: number;
}

/**
 * Sums the estimates of each run (per provider: Apiframe bills credits, EvoLink/OpenAI USD, sandbox 0), with the
 * prices of `prices` (default the published table) and the shared prompt (EvoLink prices its text tokens).
 */
export function totalEstimate(
  runs: readonly { provider: ProviderId; model: ModelId; params: Record<string, unknown> }[],
  referenceCount: number,
  prices: PriceTable = DEFAULT_PRICES,
  prompt = '',
): TotalEstimate {
  const out: TotalEstimate = { credits: 0, usd: 0, creditRuns: 0, usdRuns: 0, unknownRuns: 0 };
  for (const r of runs) {
    const c = estimateCredits(r.provider, r.model, r.params, prices);
    const u = estimateUsd(r.provider, r.model, r.params, referenceCount, prices, prompt);
    if (c !== null && r.provider !== 'sandbox') {
      out.credits += c;
      out.creditRuns += 1;
    }
    if (u !== null) {
      out.usd += u;
      out.usdRuns += 1;
    }
    if (c === null && u === null) out.unknownRuns += 1;
  }
  return out;
}
