/**
 * Import, export and library care, wired together over one library: the task registry and the services the
 * `transfer` handlers call. Plain Node: the Electron shell passes its native folder picker in.
 */
import { readFileSync } from 'node:fs';
import type { EventBus } from '../../dispatcher';
import type { Db } from '../library/db';
import type { BlobStore } from '../library/store';
import type { TaskView } from '@shared/contracts/transfer';
import { ChainService } from '../chains/service';
import { JobJournal } from '../jobs/journal';
import { backupLibrary } from './backup';
import { ExportService, type ExportFs } from './export';
import { ImportService } from './import';
import { LibraryCare } from './integrity';
import { TaskRegistry } from './tasks';

/** What the desktop shell offers (absent in the web host). */
export interface TransferShell {
  /** Native "choose a folder" dialog; resolves null when the user closes it. */
  pickFolder(): Promise<string | null>;
}

/** The transfer services of one open library. */
export interface TransferServices {
  tasks: TaskRegistry;
  importer: ImportService;
  exporter: ExportService;
  care: LibraryCare;
  shell: TransferShell | null;
  /** Starts an integrity check task. */
  checkIntegrity(opts: { repair: boolean; verifyHashes: boolean }): TaskView;
  /** Starts a thumbnail rebuild task. */
  rebuildThumbnails(opts: { missingOnly: boolean }): TaskView;
  /** Starts a backup task into a new folder inside `targetDir`. */
  backup(targetDir: string): TaskView;
}

/** Construction options of {@link createTransfer}. */
export interface TransferOptions {
  db: Db;
  store: BlobStore;
  bus: EventBus;
  dataDir: string;
  shell?: TransferShell | null;
  /** File-system seam of the exporter (fault injection in tests). */
  exportFs?: ExportFs;
  now?: () => number;
  /** The name and version written as `xmp:CreatorTool` (default `Atelier <version of package.json>`). */
  tool?: string;
}

/** `Atelier <version>` from the nearest package.json named atelier above this module (source tree or `out/`). */
export function atelierTool(): string {
  for (let up = 1; up <= 6; up++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${'../'.repeat(up)}package.json`, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'atelier' && pkg.version) return `Atelier ${pkg.version}`;
    } catch {
      // try one level up
    }
  }
  return 'Atelier';
}

/** Builds the transfer services; publishes task changes as `task.updated` and finished imports as `folders.changed`. */
export function createTransfer(opts: TransferOptions): TransferServices {
  const now = opts.now ?? Date.now;
  const tasks = new TaskRegistry({ publish: (view) => opts.bus.emit('task.updated', view) });
  // Lineages of imported Atelier exports are rebuilt through the chain service's own restoreLineage (it uses only
  // the database and the store; the journal is there for its other calls).
  const chains = new ChainService({ db: opts.db, store: opts.store, journal: new JobJournal(opts.db, now), bus: opts.bus, now });
  const importer = new ImportService({
    db: opts.db,
    store: opts.store,
    tasks,
    now,
    dataDir: opts.dataDir,
    restoreLineage: (lineages, assetIdOf) => chains.restoreLineage(lineages, assetIdOf),
    // Folder counts changed; the renderer reloads the tree (and the gallery when the import ends).
    onImported: () => opts.bus.emit('folders.changed', {}),
  });
  const exporter = new ExportService({ db: opts.db, store: opts.store, tasks, now, tool: opts.tool ?? atelierTool(), ...(opts.exportFs ? { fs: opts.exportFs } : {}) });
  const care = new LibraryCare({ db: opts.db, store: opts.store, dataDir: opts.dataDir });
  return {
    tasks,
    importer,
    exporter,
    care,
    shell: opts.shell ?? null,
    checkIntegrity: (o) => tasks.start('integrity', opts.dataDir, (ctx) => care.check(ctx, o)),
    rebuildThumbnails: (o) => tasks.start('thumbnails', opts.dataDir, (ctx) => care.rebuildThumbnails(ctx, o)),
    backup: (targetDir) => tasks.start('backup', targetDir, (ctx) => backupLibrary(ctx, opts.db, opts.dataDir, targetDir, now())),
  };
}
