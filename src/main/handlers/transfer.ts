/**
 * Handlers of the transfer calls (src/shared/contracts/transfer.ts): import, export, stacks, library care and
 * tasks. Thin: transport checks here (file paths only from the desktop window), the work in the services.
 */
import type { Handlers } from '@shared/contract';
import type { transferCalls } from '@shared/contracts/transfer';
import { AppError } from '@shared/errors';
import type { AppServices } from '../app';
import { checkTargetDir } from '../services/transfer/export';
import { resolvePathRef } from '../path-grants';
import { createStack, dissolveStack, stackMembers } from '../services/transfer/stacks';

type TransferHandlers = Pick<Handlers, keyof typeof transferCalls>;

/** The transfer calls' handlers over the app's services. */
export function transferHandlers(s: AppServices): TransferHandlers {
  const t = s.transfer;
  return {
    'tasks.get': ({ id }) => t.tasks.get(id),
    'tasks.cancel': ({ id }) => t.tasks.cancel(id),

    'import.start': ({ folderId, paths, stackNearDuplicates }, ctx) => {
      if (paths === null) return t.importer.startPush(folderId, { stackNearDuplicates });
      // Only the Electron preload resolves dropped files to paths; a web page must send bytes.
      if (ctx.transport !== 'electron') {
        throw new AppError('validation', 'file paths are accepted only from the desktop window', {
          params: { field: 'paths', reason: 'path_not_allowed' },
        });
      }
      // Each is a path grant token (a drop or a picked file), never a path the page names.
      const chosen = paths.map((p, i) => s.grants.resolve(p, `paths.${i}`));
      return t.importer.startPaths(folderId, chosen, { stackNearDuplicates });
    },
    'import.addFiles': ({ taskId, files, total, last }) => t.importer.addFiles(taskId, files, total, last),

    'export.presets': () => t.exporter.presets(),
    'export.savePreset': (input) => t.exporter.savePreset(input),
    'export.deletePreset': ({ id }) => {
      t.exporter.deletePreset(id);
      return { ok: true as const };
    },
    'export.checkTemplate': ({ template, assetId, format }) => ({ example: t.exporter.example(template, assetId, format) }),
    // Desktop window: the token of a folder picked in the dialog (checked, and handed back as the token); web host:
    // the folder the user typed (returned absolute).
    'export.checkTarget': async ({ path }, ctx) => {
      const dir = await checkTargetDir(resolvePathRef(s.grants, path, ctx, 'path'));
      return { path: ctx.transport === 'electron' ? path : dir };
    },
    'export.pickTarget': async (_i, ctx) => {
      if (ctx.transport !== 'electron' || !t.shell) {
        throw new AppError('validation', 'the folder picker is only in the desktop window; type the folder path', {
          params: { field: 'targetDir', reason: 'picker_unavailable' },
        });
      }
      const picked = await t.shell.pickFolder();
      if (picked === null) return { path: null, token: null };
      const path = await checkTargetDir(picked);
      // The page shows `path` and sends `token` back: only the folder the user picked is accepted.
      return { path, token: s.grants.grant(path) };
    },
    'export.start': ({ scope, presetId, targetDir }, ctx) =>
      t.exporter.start(scope, presetId, resolvePathRef(s.grants, targetDir, ctx, 'targetDir')),

    'stacks.create': ({ assetIds, coverId }) => ({ stackId: createStack(s.db, assetIds, coverId) }),
    'stacks.dissolve': ({ stackId }) => {
      dissolveStack(s.db, stackId);
      return { ok: true as const };
    },
    'stacks.members': ({ stackId }) => stackMembers(s.db, stackId),

    'library.checkIntegrity': (o) => t.checkIntegrity(o),
    'library.rebuildThumbnails': (o) => t.rebuildThumbnails(o),
    'library.backup': ({ targetDir }, ctx) => t.backup(resolvePathRef(s.grants, targetDir, ctx, 'targetDir')),
  };
}
