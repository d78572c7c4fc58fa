/** Handlers of the price-table calls (`prices.*`); thin over {@link SettingsService.prices} / `setPrice`. */
import type { Handlers } from '@shared/contract';
import type { PriceTableView, pricingCalls } from '@shared/contracts/pricing';
import { DEFAULT_PRICES, priceOf, type PriceTable } from '@shared/pricing';
import type { AppServices } from '../app';
import type { SettingsService } from '../services/settings';

/**
 * The table in force as Settings shows it: each row with its published value (from {@link DEFAULT_PRICES}) and
 * whether the user overrode it.
 */
export function priceTableView(table: PriceTable): PriceTableView {
  return {
    takenAt: table.takenAt,
    rows: table.rows.map((r) => ({
      provider: r.provider,
      model: r.model,
      item: r.item,
      unit: r.unit,
      value: r.value,
      published: priceOf(DEFAULT_PRICES, r.provider, r.model, r.item) ?? r.value,
      overridden: r.overriddenAt !== undefined,
      overriddenAt: r.overriddenAt ?? null,
      source: r.source,
    })),
  };
}

/** The `prices.*` handlers, spread into `createHandlers`; `prices.set` emits `prices.changed`. */
export function pricingHandlers(s: Pick<AppServices, 'bus'> & { settings: SettingsService }): Pick<Handlers, keyof typeof pricingCalls> {
  return {
    'prices.get': () => priceTableView(s.settings.prices()),
    'prices.set': ({ provider, model, item, value }) => {
      const table = s.settings.setPrice(provider, model, item, value);
      s.bus.emit('prices.changed', {});
      return priceTableView(table);
    },
  };
}
