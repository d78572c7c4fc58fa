/**
 * Handlers of the undo calls (src/shared/contracts/undo.ts): the organising state of images before an action, and
 * the undo of a folder delete (its folders back, then the images it trashed restored into them, in one transaction),
 * and images put back in their stacks.
 */
import type { Handlers } from '@shared/contract';
import type { undoCalls } from '@shared/contracts/undo';
import type { AppServices } from '../app';
import { UndoStateRepository } from '../services/repositories/undo-state';
import { restoreStacks } from '../services/transfer/stacks';

type UndoHandlers = Pick<Handlers, keyof typeof undoCalls>;

/** The handlers of `undoCalls`, spread into `createHandlers`. */
export function undoHandlers(s: AppServices): UndoHandlers {
  const state = new UndoStateRepository(s.db);
  return {
    'assets.undoState': ({ ids }) => state.read(ids),
    'folders.undelete': ({ folderIds, assetIds }) => {
      const done = s.db.transaction(() => {
        const restoredFolders = s.folders.undelete(folderIds);
        const restoredAssets = assetIds.length > 0 ? s.organise.restore(assetIds) : 0;
        return { restoredFolders, restoredAssets };
      })();
      s.bus.emit('folders.changed', {});
      s.bus.emit('library.changed', { reason: 'restored', assetIds: assetIds.length <= 1000 ? [...assetIds] : [] });
      return done;
    },
    'stacks.restore': ({ members }) => {
      const updated = restoreStacks(s.db, members);
      s.bus.emit('library.changed', { reason: 'meta', assetIds: members.length <= 1000 ? members.map((m) => m.id) : [] });
      return { updated };
    },
  };
}
