/**
 * Calls and events of import, export and library care (spread into `contract` and `events` in ../contract.ts).
 *
 * Long operations are tasks: a `*.start`-style call returns a {@link TaskView} at once; progress arrives as
 * `task.updated` events; `tasks.cancel` stops one; the final view carries the report.
 *
 * Import sources, by transport:
 * - Electron: `import.start` with `paths`: the path grant tokens of dropped or picked files and folders (the
 *   preload's `grantFile`, src/main/path-grants.ts; a raw path is refused); the main process walks folders recursively.
 * - Web host: `import.start` with `paths: null`, then the page sends the files' bytes in batches with
 *   `import.addFiles` (base64, like `FileSource`; `name` may carry the file's relative path in a dropped folder),
 *   the last batch with `last: true`.
 */
import { z } from 'zod';
import { Id } from '../domain';
import { AppErrorShape } from '../errors';
import { LIMITS, PathString } from '../limits';

const Ok = z.object({ ok: z.literal(true) });

export const TASK_KINDS = ['import', 'export', 'integrity', 'thumbnails', 'backup'] as const;
export const TaskKind = z.enum(TASK_KINDS);
export type TaskKind = z.infer<typeof TaskKind>;

/** One image that was not imported: the file's name (relative path in a folder), the reason code, the message. */
export const SkippedFile = z.object({ name: z.string(), reason: z.string(), message: z.string() });

/** What an import did. Names are the files' names (relative paths inside a dropped or walked folder). */
export const ImportReport = z.object({
  kind: z.literal('import'),
  folderId: Id,
  /** Files seen so far (imported + duplicates + skipped). */
  seen: z.number().int(),
  imported: z.array(z.object({ name: z.string(), assetId: Id, blobId: z.string() })),
  /** Same bytes as an image already in the target folder (or earlier in this import): no second asset. */
  duplicates: z.array(z.object({ name: z.string(), existingAssetId: Id })),
  /** Imported images that look like another image of the folder (perceptual hash); `distance` in bits of 64. */
  nearDuplicates: z.array(z.object({ name: z.string(), assetId: Id, similarTo: Id, distance: z.number().int(), stacked: z.boolean() })),
  skipped: z.array(SkippedFile),
  /**
   * Generation metadata and XMP read from imported files (issue 10): per image, the tool whose recipe came in
   * (null for none), the sources read (`png:parameters`, `exif:UserComment`, `xmp`…), and those present but
   * skipped with the reason (`too_large`, `too_deep`, `malformed`…) and an English message. The image itself was
   * imported either way. Only images where something was found are listed.
   */
  metadata: z
    .array(
      z.object({
        name: z.string(),
        assetId: Id,
        tool: z.string().nullable(),
        read: z.array(z.string()),
        skipped: z.array(z.object({ source: z.string(), reason: z.string(), message: z.string() })),
      }),
    )
    .default([]),
  /** Why the import stopped before the end (disk full, …); null when it ran to the end or was canceled. */
  stoppedBy: AppErrorShape.nullable(),
});
export type ImportReport = z.infer<typeof ImportReport>;

/**
 * Why an export's XMP was not written into a file: the file's own XMP cannot be read (it is kept as it was,
 * never replaced), writing it failed, or reading it back from the written bytes did not find it all; or
 * (`content_credentials`) the file carries C2PA Content Credentials and its original bytes were kept identical,
 * so that its manifest stays valid, with the recipe in the sidecars.
 */
export const EMBED_FAILURES = ['source_unreadable', 'write_failed', 'readback_failed', 'content_credentials'] as const;

/** What an export did. Paths are relative to the target folder. */
export const ExportReport = z.object({
  kind: z.literal('export'),
  targetDir: z.string(),
  written: z.array(
    z.object({
      assetId: Id,
      file: z.string(),
      /** The JSON sidecar (metadata `full`), or null. */
      sidecar: z.string().nullable(),
      /** The `.xmp` sidecar (presets with `xmpSidecar`), or null. */
      xmpSidecar: z.string().nullable().default(null),
      /**
       * The XMP inside the file, as read back from the written bytes: `written` (and whether a JPEG needed
       * Extended XMP), `none` when the level or the image had nothing to write, `not_written` with the reason
       * (`detail` in English) — the image was then written without it.
       */
      embedded: z
        .object({
          state: z.enum(['written', 'none', 'not_written']),
          extended: z.boolean(),
          reason: z.enum(EMBED_FAILURES).nullable(),
          detail: z.string().nullable(),
        })
        .default({ state: 'none', extended: false, reason: null, detail: null }),
      /**
       * The source's C2PA Content Credentials (issue 10): `kept` — original bytes written unchanged, so the manifest
       * and its hard binding are intact (the recipe went to the sidecars); `not_carried` — a converted file, whose
       * new bytes carry no manifest; null when the source had none.
       */
      credentials: z.enum(['kept', 'not_carried']).nullable().default(null),
    }),
  ),
  /** Files whose name was taken: written under `file` (with ` (2)` …) instead of `wanted`. Never overwritten. */
  renamed: z.array(z.object({ assetId: Id, wanted: z.string(), file: z.string() })),
  failed: z.array(z.object({ assetId: Id, message: z.string() })),
  stoppedBy: AppErrorShape.nullable(),
});
export type ExportReport = z.infer<typeof ExportReport>;

export const INTEGRITY_PROBLEMS = [
  'missing_file', // a blob row whose file is gone from objects/
  'size_mismatch', // the file's size differs from the row's
  'hash_mismatch', // the file's SHA-256 differs from its name (checked with verifyHashes)
  'orphan_file', // a file in objects/ with no row
  'stray_file', // a file in objects/ whose name is not <sha256>.<ext>
  'missing_blob_row', // an asset or job reference pointing at a blob with no row
  'symlink', // a symbolic link in objects/ or thumbs/: never followed nor served; repair moves the link (not its target) to lost+found
] as const;

/** What an integrity check found and, with repair, did. */
export const IntegrityReport = z.object({
  kind: z.literal('integrity'),
  checkedBlobs: z.number().int(),
  checkedFiles: z.number().int(),
  repair: z.boolean(),
  /** Thumbnails not made yet (a cache, made on first view: not a problem) and how many the repair rendered. */
  missingThumbnails: z.number().int(),
  thumbnailsRebuilt: z.number().int(),
  problems: z.array(
    z.object({
      problem: z.enum(INTEGRITY_PROBLEMS),
      blobId: z.string().nullable(),
      /** Path relative to the library folder. */
      path: z.string().nullable(),
      /** What the repair did (`reregistered`, `moved_to_lost_found`, `restored_from_lost_found`), or null. */
      action: z.string().nullable(),
    }),
  ),
});
export type IntegrityReport = z.infer<typeof IntegrityReport>;

export const ThumbnailReport = z.object({
  kind: z.literal('thumbnails'),
  rebuilt: z.number().int(),
  failed: z.array(z.object({ blobId: z.string(), message: z.string() })),
});
export type ThumbnailReport = z.infer<typeof ThumbnailReport>;

export const BackupReport = z.object({
  kind: z.literal('backup'),
  /** The backup folder (absolute): open it as a library folder. */
  path: z.string(),
  blobs: z.number().int(),
  bytes: z.number().int(),
  /** Blob ids whose file was already missing from the library (not in the backup). */
  missing: z.array(z.string()),
});
export type BackupReport = z.infer<typeof BackupReport>;

export const TaskReport = z.discriminatedUnion('kind', [ImportReport, ExportReport, IntegrityReport, ThumbnailReport, BackupReport]);
export type TaskReport = z.infer<typeof TaskReport>;

/** A long operation as the renderer sees it. */
export const TaskView = z.object({
  id: Id,
  kind: TaskKind,
  /** What it works on, for display (a folder's name, a target path). */
  label: z.string(),
  state: z.enum(['running', 'completed', 'canceled', 'failed']),
  done: z.number().int(),
  /** Items in all, null while unknown (a folder still being walked, batches still arriving). */
  total: z.number().int().nullable(),
  current: z.string().nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  error: AppErrorShape.nullable(),
  /** Present once the task has ended (also when canceled: what was done until then). */
  report: TaskReport.nullable(),
});
export type TaskView = z.infer<typeof TaskView>;

export const EXPORT_FORMATS = ['original', 'png', 'jpeg', 'webp'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;
export const METADATA_LEVELS = ['full', 'prompt', 'none'] as const;
export const MetadataLevel = z.enum(METADATA_LEVELS);
export type MetadataLevel = z.infer<typeof MetadataLevel>;

/** An export preset. `quality` 1–100 (JPEG/WebP); `longEdge` px or null to keep the size. */
export const ExportPreset = z.object({
  id: Id,
  name: z.string(),
  /** Naming template (see services/transfer/naming.ts): tokens in braces, `/` makes sub-folders. */
  template: z.string(),
  format: ExportFormat,
  quality: z.number().int().min(1).max(100),
  longEdge: z.number().int().min(16).max(16384).nullable(),
  metadata: MetadataLevel,
  /** Also write `<name>.xmp` beside each file (a standalone XMP document, as Lightroom's sidecars). */
  xmpSidecar: z.boolean(),
  createdAt: z.number(),
});
export type ExportPreset = z.infer<typeof ExportPreset>;

/** What to export: chosen assets (a selection, a smart collection's members), or a folder/project. */
export const ExportScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('assets'), assetIds: z.array(Id).min(1).max(250_000) }).strict(),
  z.object({ kind: z.literal('folder'), folderId: Id, recursive: z.boolean().default(true) }).strict(),
]);
export type ExportScope = z.infer<typeof ExportScope>;

/**
 * A folder or file the user chose. Desktop window: a path grant token from a native dialog or a drop (a raw path is
 * refused, see src/main/path-grants.ts). Web host: the absolute path the user typed (export and backup targets).
 */
const AbsPath = PathString;

export const transferCalls = {
  'tasks.get': { input: z.object({ id: Id }).strict(), output: TaskView },
  /** Asks a running task to stop; what it finished stays (its report says what). */
  'tasks.cancel': { input: z.object({ id: Id }).strict(), output: TaskView },

  /** Starts an import into a folder. `paths` (files or folders) only from the desktop window; null to push bytes. */
  'import.start': {
    input: z
      .object({
        folderId: Id,
        paths: z.array(AbsPath).min(1).max(LIMITS.importPaths).nullable().default(null),
        /** Put each near-duplicate in a stack with the image it resembles. */
        stackNearDuplicates: z.boolean().default(false),
      })
      .strict(),
    output: TaskView,
  },
  /** One batch of files for a push import (web host); resolves once the batch is processed. */
  'import.addFiles': {
    input: z
      .object({
        taskId: Id,
        files: z
          .array(z.object({ name: z.string().min(1).max(LIMITS.fileName), dataBase64: z.string().max(LIMITS.fileBase64) }).strict())
          .max(LIMITS.filesPerBatch),
        /** How many files the page will send in all, when known (for the progress bar). */
        total: z.number().int().min(0).nullable().default(null),
        last: z.boolean(),
      })
      .strict(),
    output: TaskView,
  },

  'export.presets': { input: z.object({}).strict(), output: z.array(ExportPreset) },
  /** Creates (`id` null) or updates a preset; the template is checked (an escaping template is refused). */
  'export.savePreset': {
    input: z
      .object({
        id: Id.nullable(),
        name: z.string().max(LIMITS.name),
        template: z.string().max(LIMITS.template),
        format: ExportFormat,
        quality: z.number().int().min(1).max(100).default(90),
        longEdge: z.number().int().min(16).max(16384).nullable().default(null),
        metadata: MetadataLevel,
        xmpSidecar: z.boolean().default(false),
      })
      .strict(),
    output: ExportPreset,
  },
  'export.deletePreset': { input: z.object({ id: Id }).strict(), output: Ok },
  /** Checks a naming template and shows the name it gives an example (or the given) asset. */
  'export.checkTemplate': {
    input: z.object({ template: z.string().max(LIMITS.template), assetId: Id.nullable().default(null), format: ExportFormat.default('original') }).strict(),
    output: z.object({ example: z.string() }),
  },
  /**
   * Checks a target folder: it exists, is a folder, and can be written. Web host: the folder typed by the user,
   * returned absolute. Desktop window: the token from `export.pickTarget`, returned as is once checked.
   */
  'export.checkTarget': { input: z.object({ path: AbsPath }).strict(), output: z.object({ path: z.string() }) },
  /**
   * The desktop window's native folder picker (export and backup targets): the folder to show (`path`) and the
   * token to send back as `targetDir` (`token`, a path grant); both null when the user closed it. Refused in the
   * web host.
   */
  'export.pickTarget': {
    input: z.object({}).strict(),
    output: z.object({ path: z.string().nullable(), token: z.string().nullable() }),
  },
  'export.start': {
    input: z.object({ scope: ExportScope, presetId: Id, targetDir: AbsPath }).strict(),
    output: TaskView,
  },

  /** Stacks near-duplicates under `coverId` (which must be one of `assetIds`); assets leave any earlier stack. */
  'stacks.create': {
    input: z.object({ assetIds: z.array(Id).min(2).max(1000), coverId: Id }).strict(),
    output: z.object({ stackId: Id }),
  },
  'stacks.dissolve': { input: z.object({ stackId: Id }).strict(), output: Ok },
  /** Members of a stack (cover first). */
  'stacks.members': { input: z.object({ stackId: Id }).strict(), output: z.array(Id) },

  /** Database against files; with `repair`, fixes what can be fixed without losing anything. */
  'library.checkIntegrity': {
    input: z.object({ repair: z.boolean().default(false), verifyHashes: z.boolean().default(false) }).strict(),
    output: TaskView,
  },
  'library.rebuildThumbnails': { input: z.object({ missingOnly: z.boolean().default(false) }).strict(), output: TaskView },
  /** Backs the library up into a new folder inside `targetDir` (database copy + image store); opens as a library. */
  'library.backup': { input: z.object({ targetDir: AbsPath }).strict(), output: TaskView },
} as const;

export const transferEvents = {
  'task.updated': TaskView,
} as const;
