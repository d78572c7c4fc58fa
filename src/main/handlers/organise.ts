/**
 * Handlers of the organise/search/collections/trash calls (src/shared/contracts/organise.ts). Each one calls a
 * service and publishes what changed: `library.changed` (views refresh, smart-collection counts update),
 * `collections.changed`, and `folders.changed` where folder counts move.
 */
import type { Handlers } from '@shared/contract';
import type { organiseCalls } from '@shared/contracts/organise';
import type { AppServices } from '../app';

type OrganiseHandlers = Pick<Handlers, keyof typeof organiseCalls>;

/** The handlers of `organiseCalls`, spread into `createHandlers`. */
export function organiseHandlers(s: AppServices): OrganiseHandlers {
  const changed = (reason: 'meta' | 'tags' | 'moved' | 'copied' | 'trashed' | 'restored' | 'emptied', ids: readonly string[]): void => {
    s.bus.emit('library.changed', { reason, assetIds: ids.length <= 1000 ? [...ids] : [] });
  };
  return {
    'assets.query': ({ limit, cursor, ...q }) => s.search.query(q, limit, cursor),
    'assets.ids': (q) => ({ ids: s.search.ids(q) }),
    'assets.meta': ({ id }) => s.organise.meta(id),
    'assets.update': ({ ids, patch }) => {
      const updated = s.organise.update(ids, patch);
      changed('meta', ids);
      return { updated };
    },
    'assets.tag': ({ ids, add, remove }) => {
      const updated = s.organise.tag(ids, add, remove);
      changed('tags', ids);
      return { updated };
    },
    'assets.move': ({ ids, folderId }) => {
      const moved = s.organise.move(ids, folderId);
      changed('moved', ids);
      s.bus.emit('folders.changed', {});
      return { moved };
    },
    'assets.copy': ({ ids, folderId }) => {
      const assetIds = s.organise.copy(ids, folderId);
      changed('copied', assetIds);
      s.bus.emit('folders.changed', {});
      return { assetIds };
    },
    'assets.trash': ({ ids }) => {
      const trashed = s.organise.trash(ids);
      changed('trashed', ids);
      s.bus.emit('folders.changed', {});
      return { trashed };
    },
    'assets.restore': ({ ids }) => {
      const restored = s.organise.restore(ids);
      changed('restored', ids);
      s.bus.emit('folders.changed', {});
      return { restored };
    },
    'trash.empty': async () => {
      const r = await s.trash.empty();
      changed('emptied', []);
      s.bus.emit('collections.changed', {});
      return r;
    },
    'tags.suggest': ({ prefix, limit }) => s.organise.suggest(prefix, limit),
    'assets.models': () => s.organise.models(),
    'collections.list': () => ({ collections: s.collections.list(), trashCount: s.trash.count() }),
    'collections.create': ({ name, query, assetIds }) => {
      const c = s.collections.create(name, query, assetIds);
      s.bus.emit('collections.changed', {});
      return c;
    },
    'collections.update': ({ id, name, query }) => {
      const c = s.collections.update(id, { name, query });
      s.bus.emit('collections.changed', {});
      return c;
    },
    'collections.delete': ({ id }) => {
      s.collections.delete(id);
      s.bus.emit('collections.changed', {});
      return { ok: true as const };
    },
    'collections.add': ({ id, assetIds }) => {
      const c = s.collections.add(id, assetIds);
      s.bus.emit('collections.changed', {});
      return c;
    },
    'collections.remove': ({ id, assetIds }) => {
      const c = s.collections.remove(id, assetIds);
      s.bus.emit('collections.changed', {});
      return c;
    },
  };
}
