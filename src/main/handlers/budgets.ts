/** Handlers of the budget calls (`budgets.*`, `spend.kept`); thin over {@link BudgetService}. */
import type { Handlers } from '@shared/contract';
import type { budgetCalls } from '@shared/contracts/budgets';
import type { AppServices } from '../app';

/** The `budgets.*` and `spend.kept` handlers, spread into `createHandlers`. */
export function budgetHandlers(s: AppServices): Pick<Handlers, keyof typeof budgetCalls> {
  return {
    'budgets.get': ({ folderId }) => s.budgets.status(folderId),
    'budgets.list': () => s.budgets.list(),
    'budgets.set': (input) => s.budgets.set(input),
    'spend.kept': ({ groupBy, minRating }) => s.budgets.kept(groupBy, minRating),
  };
}
