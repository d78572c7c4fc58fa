/**
 * The main-process implementation of every contract call. Thin: each handler checks what only the main process
 * can check, then calls a service. `Handlers` makes a missing call a compile error.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Handlers } from '@shared/contract';
import { capabilityOf, KEY_OPTIONAL, KEYED_PROVIDERS, type KeyedProviderId, type ProviderId } from '@shared/capabilities';
import { AppError, toAppError } from '@shared/errors';
import type { ProviderSettings } from '@shared/domain';
import type { AppServices } from './app';
import { DEFAULT_BASE_URLS } from './services/settings';
import { DEFAULT_MAX_PIXELS } from './services/library/inspect';
import { spendSummary } from './services/jobs/spend';
import { chainHandlers } from './handlers/chains';
import { compareHandlers } from './handlers/compare';
import { organiseHandlers } from './handlers/organise';
import { transferHandlers } from './handlers/transfer';
import { pricingHandlers } from './handlers/pricing';
import { batchHandlers } from './handlers/batches';
import { undoHandlers } from './handlers/undo';
import { budgetHandlers } from './handlers/budgets';
import { kitHandlers } from './handlers/kits';

const isKeyed = (p: ProviderId): p is KeyedProviderId => (KEYED_PROVIDERS as readonly string[]).includes(p);

export function createHandlers(s: AppServices, version: string): Handlers {
  const providerSettings = (provider: KeyedProviderId): ProviderSettings => {
    const st = s.secrets.status(provider, s.settings.keyOrigin(provider));
    const { baseUrl, fromEnv } = s.settings.baseUrl(provider);
    return {
      provider,
      keySet: st.keySet,
      keyLast4: st.keyLast4,
      keyStorage: st.keyStorage,
      baseUrl,
      defaultBaseUrl: DEFAULT_BASE_URLS[provider],
      baseUrlFromEnv: fromEnv,
      keyOptional: KEY_OPTIONAL.includes(provider),
      customModels: provider === 'openai-compatible' ? s.settings.customModels() : [],
      streamPartials: provider === 'openai' ? s.settings.streamPartials(provider) : null,
    };
  };

  return {
    'app.info': (_i, ctx) => ({
      version,
      transport: ctx.transport,
      locale: s.settings.locale(),
      theme: s.settings.theme(),
      welcomeDone: s.settings.welcomeDone(),
    }),
    'app.setTheme': ({ theme }) => {
      s.settings.setTheme(theme);
      s.bus.emit('app.theme', { theme });
      return { ok: true as const };
    },
    'app.completeWelcome': () => {
      s.settings.completeWelcome();
      return { ok: true as const };
    },
    'app.setLocale': ({ locale }) => {
      s.settings.setLocale(locale);
      s.bus.emit('app.locale', { locale });
      return { ok: true as const };
    },

    'folders.list': () => s.folders.list(),
    'folders.create': ({ name, parentId }) => {
      const f = s.folders.create(name, parentId);
      s.bus.emit('folders.changed', {});
      return f;
    },
    'folders.rename': ({ id, name }) => {
      const f = s.folders.rename(id, name);
      s.bus.emit('folders.changed', {});
      return f;
    },
    'folders.move': ({ id, parentId, position }) => {
      const f = s.folders.move(id, parentId, position);
      s.bus.emit('folders.changed', {});
      return f;
    },
    'folders.delete': ({ id }) => {
      const { deletedFolders, folderIds, trashedAssetIds } = s.folders.delete(id);
      s.bus.emit('folders.changed', {});
      // The images went to the trash: its count and any open view follow.
      s.bus.emit('library.changed', { reason: 'trashed', assetIds: trashedAssetIds.length <= 1000 ? trashedAssetIds : [] });
      return { deletedFolders, trashedAssets: trashedAssetIds.length, folderIds, trashedAssetIds };
    },

    'assets.get': ({ id }) => {
      const detail = s.assets.get(id);
      return { ...detail, contentCredentials: s.store.credentials.get(detail.blob.id) };
    },

    'assets.inspect': ({ ids }) => ({
      items: ids.map((id) => {
        const detail = s.assets.get(id);
        return { meta: s.organise.meta(id), detail: { ...detail, contentCredentials: s.store.credentials.get(detail.blob.id) } };
      }),
    }),

    'references.stage': async ({ source, provider, model }, ctx) => {
      const cap = capabilityOf(provider, model);
      if (!cap) throw new AppError('validation', `${provider} does not serve ${model}`, { params: { field: 'model', reason: 'unsupported' } });
      const limits = { maxBytes: cap.maxReferenceBytes, maxPixels: DEFAULT_MAX_PIXELS };
      let name: string;
      let bytes: Uint8Array;
      if ('path' in source) {
        // Only the Electron preload resolves dropped files to paths; a web page must send bytes.
        if (ctx.transport !== 'electron') {
          throw new AppError('validation', 'file paths are accepted only from the desktop window', {
            params: { field: 'source', reason: 'path_not_allowed' },
          });
        }
        // Desktop window: a path grant token (a dropped or picked file), never a path the page names.
        const path = s.grants.resolve(source.path, 'source.path');
        name = basename(path);
        let size: number;
        try {
          const st = await stat(path);
          if (!st.isFile()) throw new Error('not a regular file');
          size = st.size;
        } catch (err) {
          throw new AppError('bad_file', `${name}: cannot be read`, { params: { name, reason: 'unreadable' }, cause: err });
        }
        if (size > limits.maxBytes) {
          throw new AppError('bad_file', `${name}: ${size} bytes is over the limit of ${limits.maxBytes}`, {
            params: { name, reason: 'too_large', maxBytes: limits.maxBytes },
          });
        }
        bytes = await readFile(path);
      } else {
        name = source.name;
        // Refuse before decoding: base64 is 4 chars per 3 bytes.
        const approx = Math.floor((source.dataBase64.length * 3) / 4);
        if (approx > limits.maxBytes + 3) {
          throw new AppError('bad_file', `${name}: about ${approx} bytes is over the limit of ${limits.maxBytes}`, {
            params: { name, reason: 'too_large', maxBytes: limits.maxBytes },
          });
        }
        bytes = Buffer.from(source.dataBase64, 'base64');
      }
      const blob = await s.store.put(bytes, name, limits);
      return { ...blob, name };
    },

    // An edit (a parent, or a mask) runs the chain's checks first (src/main/services/chains).
    'jobs.submit': (input) =>
      input.parentAssetId || input.maskBlobId || input.chainMethod === 'responses' ? s.submitEdit(input) : s.submitJob(input),
    'jobs.list': ({ folderId, activeOnly }) =>
      s.journal.list({ folderId, activeOnly }).map((j) => s.journal.view(j)),
    'jobs.get': ({ id }) => {
      const j = s.journal.get(id);
      if (!j) throw new AppError('not_found', `job ${id} does not exist`);
      return s.journal.view(j);
    },

    'jobs.cancel': ({ id }) => s.engine.cancel(id),
    'jobs.retry': ({ id, confirmPaid, overrideBudget }) => s.retryJob(id, { confirmPaid, overrideBudget }),

    'queue.state': () => s.engine.queueState(),
    'queue.pause': ({ scope }) => {
      const q = s.engine.pause(scope);
      s.bus.emit('queue.changed', q);
      return q;
    },
    'queue.resume': ({ scope }) => {
      const q = s.engine.resume(scope);
      s.bus.emit('queue.changed', q);
      return q;
    },

    'spend.summary': ({ groupBy, from, to }) => spendSummary(s.db, groupBy, from, to),

    'settings.providers': () => KEYED_PROVIDERS.map(providerSettings),
    'settings.setKey': ({ provider, key }) => {
      s.secrets.set(provider, key, s.settings.keyOrigin(provider));
      s.bus.emit('settings.changed', { provider });
      return providerSettings(provider);
    },
    'settings.clearKey': ({ provider }) => {
      s.secrets.clear(provider, s.settings.keyOrigin(provider));
      s.bus.emit('settings.changed', { provider });
      return providerSettings(provider);
    },
    'settings.setBaseUrl': ({ provider, baseUrl }) => {
      s.settings.setBaseUrl(provider, baseUrl);
      s.bus.emit('settings.changed', { provider });
      return providerSettings(provider);
    },
    'settings.setCustomModels': ({ provider, models }) => {
      s.settings.setCustomModels(models);
      s.bus.emit('settings.changed', { provider });
      return providerSettings(provider);
    },
    'settings.setStreamPartials': ({ provider, enabled }) => {
      s.settings.setStreamPartials(provider, enabled);
      s.bus.emit('settings.changed', { provider });
      return providerSettings(provider);
    },
    'settings.account': async ({ provider }) => {
      const info = await s.adapters[provider].account(s.contextFor(provider));
      return { provider, credits: info.credits, email: info.email };
    },
    'settings.check': async ({ provider }) => {
      const t0 = performance.now();
      try {
        const info = await s.adapters[provider].account(s.contextFor(provider));
        return { provider, ok: true, latencyMs: Math.round(performance.now() - t0), credits: info.credits, email: info.email, error: null };
      } catch (err) {
        const e = toAppError(err);
        return { provider, ok: false, latencyMs: Math.round(performance.now() - t0), credits: null, email: null, error: e.toShape() };
      }
    },
    ...chainHandlers(s),
    ...compareHandlers(s),
    ...organiseHandlers(s),
    ...transferHandlers(s),
    ...pricingHandlers(s),
    ...batchHandlers(s),
    ...undoHandlers(s),
    ...budgetHandlers(s),
    ...kitHandlers(s),
  };
}

export { isKeyed };
