/** Handlers of the batch calls (`batches.*`); thin over {@link BatchService}. */
import type { Handlers } from '@shared/contract';
import type { batchCalls } from '@shared/contracts/batches';
import type { AppServices } from '../app';

/** The `batches.*` handlers, spread into `createHandlers`. */
export function batchHandlers(s: AppServices): Pick<Handlers, keyof typeof batchCalls> {
  return {
    'batches.submit': (input) => s.batches.submit(input),
    'batches.get': ({ id }) => s.batches.get(id),
    'batches.list': ({ folderId }) => s.batches.list(folderId),
    'batches.pause': ({ id }) => s.batches.pause(id),
    'batches.resume': ({ id }) => s.batches.resume(id),
    'batches.cancel': ({ id }) => s.batches.cancel(id),
    'batches.retryFailed': ({ id, confirmPaid, overrideBudget }) =>
      s.batches.retryFailed(id, { confirmPaid: confirmPaid === true, overrideBudget: overrideBudget === true }),
  };
}
