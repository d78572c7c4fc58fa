/** Handlers of the comparison calls (`compare.*`); thin over {@link CompareService}. */
import type { Handlers } from '@shared/contract';
import type { compareCalls } from '@shared/contracts/compare';
import type { AppServices } from '../app';

/** The `compare.*` handlers, spread into `createHandlers`. */
export function compareHandlers(s: AppServices): Pick<Handlers, keyof typeof compareCalls> {
  return {
    'compare.run': (input) => s.compare.run(input),
    'compare.create': (input) => s.compare.create(input),
    'compare.get': ({ id }) => s.compare.get(id),
    'compare.list': ({ folderId }) => s.compare.list(folderId),
    'compare.setBlind': ({ id, blind }) => s.compare.setBlind(id, blind),
    'compare.verdict': ({ id, ranking }) => s.compare.verdict(id, ranking),
    'compare.stats': () => s.compare.stats(),
    'compare.diff': ({ a, b, gain }) => s.compare.diff(a, b, gain),
  };
}
