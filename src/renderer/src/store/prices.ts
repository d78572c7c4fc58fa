import { create } from 'zustand';
import type { PriceTableView } from '@shared/contracts/pricing';
import type { AppErrorShape } from '@shared/errors';
import { DEFAULT_PRICES, type PriceRow, type PriceTable } from '@shared/pricing';
import { errorShape } from '../i18n/format';
import { call } from '../transport';

interface PricesState {
  /** The table as Settings shows it (published and current value per row); null until loaded. */
  view: PriceTableView | null;
  /**
   * The table in force, for the estimate functions (credits / USD per row, see src/shared/pricing.ts): the
   * published {@link DEFAULT_PRICES} until the main process answers, then its table with the user's overrides.
   */
  table: PriceTable;
  error: AppErrorShape | null;
  /** Reads the table (at start, on `prices.changed`, after a reconnect). */
  load(): Promise<void>;
  /**
   * Overrides one price (`value` in the row's unit) or restores the published one (null).
   * @throws AppError (validation, naming the field) for the form to show
   */
  set(provider: string, model: string, item: string, value: number | null): Promise<void>;
}

/** The estimate functions' table from the view the main process sends. */
export function tableOf(view: PriceTableView): PriceTable {
  return {
    takenAt: view.takenAt,
    rows: view.rows.map(
      (r): PriceRow => ({
        provider: r.provider,
        model: r.model,
        item: r.item,
        value: r.value,
        unit: r.unit,
        source: r.source,
        ...(r.overriddenAt ? { overriddenAt: r.overriddenAt } : {}),
      }),
    ),
  };
}

/** The price table: one store the composer, the compare dialog and Settings → Prices read. */
export const usePrices = create<PricesState>()((set) => {
  // Only the newest answer is applied (a quick edit sends several calls; their replies may cross).
  let seq = 0;
  const apply = (n: number, view: PriceTableView): void => {
    if (n === seq) set({ view, table: tableOf(view), error: null });
  };
  return {
    view: null,
    table: DEFAULT_PRICES,
    error: null,
    async load() {
      const n = ++seq;
      try {
        apply(n, await call('prices.get', {}));
      } catch (err) {
        if (n === seq) set({ error: errorShape(err) });
      }
    },
    async set(provider, model, item, value) {
      const n = ++seq;
      apply(n, await call('prices.set', { provider, model, item, value }));
    },
  };
});
