/** Handlers of the reference kit calls (`kits.*`); thin over {@link KitService}. */
import type { Handlers } from '@shared/contract';
import type { kitCalls } from '@shared/contracts/kits';
import type { AppServices } from '../app';

/** The `kits.*` handlers, spread into `createHandlers`. */
export function kitHandlers(s: AppServices): Pick<Handlers, keyof typeof kitCalls> {
  return {
    'kits.list': () => s.kits.list(),
    'kits.create': (input) => s.kits.create(input),
    'kits.rename': ({ id, name }) => s.kits.rename(id, name),
    'kits.delete': async ({ id }) => {
      await s.kits.remove(id);
      return { ok: true as const };
    },
    'kits.images': ({ id }) => s.kits.images(id),
  };
}
