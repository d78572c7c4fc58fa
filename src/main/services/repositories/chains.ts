/**
 * Edit chains (migration 0005; Responses API columns from 0008): `chains` (one per lineage, with its chosen version),
 * `versions` (its nodes: each a blob, the step that made it from its parent, and the asset showing it while that
 * exists) and `chain_steps` (a job that continues a version, until its output becomes one). The rules (how an edit
 * continues, when a node is made, lineage export and import) are chains/service.ts's; this module holds the SQL.
 * Reads join `assets`. JSON columns are text; times are epoch ms.
 */
import type { StepMethod } from '@shared/contracts/chains';
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['chains', 'chain_steps', 'versions'] as const;

/** A `versions` row. */
export interface VersionRow {
  id: string;
  chain_id: string;
  parent_id: string | null;
  asset_id: string | null;
  blob_id: string;
  parent_blob_id: string | null;
  job_id: string | null;
  method: StepMethod;
  provider: string | null;
  model: string | null;
  prompt: string | null;
  /** JSON object. */
  params: string;
  /** JSON array of StepInput. */
  inputs: string;
  mask_blob_id: string | null;
  replay_of: string | null;
  created_at: number;
  /** Migration 8: the Responses API response id of a `responses_previous_response_id` step. */
  response_id: string | null;
  /** Migration 8: why a step asked to keep the model's context was made another way. */
  fallback: string | null;
}

/** A new version: the columns not given are null, `params` `{}` and `inputs` `[]`. */
export interface NewVersion {
  id: string;
  chainId: string;
  parentId: string | null;
  assetId: string | null;
  blobId: string;
  parentBlobId?: string | null;
  jobId: string | null;
  method: StepMethod;
  provider?: string | null;
  model?: string | null;
  prompt?: string | null;
  params?: string;
  inputs?: string;
  maskBlobId?: string | null;
  replayOf?: string | null;
  createdAt: number;
  responseId?: string | null;
  fallback?: string | null;
}

/** A `chain_steps` row: job `job_id` continues version `parent_version_id`. */
export interface ChainStepRow {
  job_id: string;
  parent_version_id: string;
  method: StepMethod;
  /** JSON array of StepInput. */
  inputs: string;
  mask_blob_id: string | null;
  replay_of: string | null;
  previous_response_id: string | null;
  fallback: string | null;
}

const repos = new WeakMap<Db, ChainsRepository>();

/** Reads and writes chains, their versions and pending steps. Synchronous (better-sqlite3); no method opens a transaction. */
export class ChainsRepository {
  private readonly st: Statements;

  /** @param db the library database (migrated) */
  constructor(db: Db) {
    this.st = new Statements(db);
  }

  /** The repository of `db`, made on first use (its statements are prepared once per connection). */
  static of(db: Db): ChainsRepository {
    let r = repos.get(db);
    if (!r) repos.set(db, (r = new ChainsRepository(db)));
    return r;
  }

  // ── chains ──────────────────────────────────────────────────────────────────────────────────────────────────

  /** The chain's row, or undefined for an unknown id. */
  chain(id: string): { id: string; chosen_version_id: string | null } | undefined {
    return this.st.get('SELECT id, chosen_version_id FROM chains WHERE id = ?').get(id) as { id: string; chosen_version_id: string | null } | undefined;
  }

  /** Creates a chain with no chosen version. */
  insertChain(id: string, createdAt: number): void {
    this.st.get('INSERT INTO chains (id, chosen_version_id, created_at) VALUES (?, NULL, ?)').run(id, createdAt);
  }

  /** Creates a chain with no chosen version unless one with this id exists. */
  insertChainIfMissing(id: string, createdAt: number): void {
    this.st.get('INSERT OR IGNORE INTO chains (id, chosen_version_id, created_at) VALUES (?, NULL, ?)').run(id, createdAt);
  }

  /** Makes `versionId` the chain's chosen version. */
  setChosen(chainId: string, versionId: string): void {
    this.st.get('UPDATE chains SET chosen_version_id = ? WHERE id = ?').run(versionId, chainId);
  }

  /** Clears the chain's chosen version if it is `versionId` (another chosen version stays). */
  clearChosenIf(chainId: string, versionId: string): void {
    this.st.get('UPDATE chains SET chosen_version_id = NULL WHERE id = ? AND chosen_version_id = ?').run(chainId, versionId);
  }

  // ── versions ────────────────────────────────────────────────────────────────────────────────────────────────

  /** The version, or undefined for an unknown id. */
  version(id: string): VersionRow | undefined {
    return this.st.get('SELECT * FROM versions WHERE id = ?').get(id) as VersionRow | undefined;
  }

  /** The version the asset shows, or undefined when it is in no chain. */
  versionOfAsset(assetId: string): VersionRow | undefined {
    return this.st.get('SELECT * FROM versions WHERE asset_id = ?').get(assetId) as VersionRow | undefined;
  }

  /** Every version of the chain, oldest first (ties in insertion order). */
  versionsOfChain(chainId: string): VersionRow[] {
    return this.st.get('SELECT * FROM versions WHERE chain_id = ? ORDER BY created_at, rowid').all(chainId) as VersionRow[];
  }

  /** Records a version (see {@link NewVersion} for what is not given). */
  insertVersion(v: NewVersion): void {
    this.st
      .get(
        `INSERT INTO versions (id, chain_id, parent_id, asset_id, blob_id, parent_blob_id, job_id, method, provider, model,
           prompt, params, inputs, mask_blob_id, replay_of, created_at, response_id, fallback)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        v.id, v.chainId, v.parentId, v.assetId, v.blobId, v.parentBlobId ?? null, v.jobId, v.method, v.provider ?? null, v.model ?? null,
        v.prompt ?? null, v.params ?? '{}', v.inputs ?? '[]', v.maskBlobId ?? null, v.replayOf ?? null, v.createdAt, v.responseId ?? null,
        v.fallback ?? null,
      );
  }

  // ── pending steps ───────────────────────────────────────────────────────────────────────────────────────────

  /** The step job `jobId` makes, or undefined when the job is no chain step. */
  step(jobId: string): ChainStepRow | undefined {
    return this.st.get('SELECT * FROM chain_steps WHERE job_id = ?').get(jobId) as ChainStepRow | undefined;
  }

  /** Records that job `jobId` continues a version. */
  insertStep(s: ChainStepRow): void {
    this.st
      .get(
        `INSERT INTO chain_steps (job_id, parent_version_id, method, inputs, mask_blob_id, replay_of, previous_response_id, fallback)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.job_id, s.parent_version_id, s.method, s.inputs, s.mask_blob_id, s.replay_of, s.previous_response_id, s.fallback);
  }

  /** Stored outputs of chain steps that have no version yet (a crash between storing and recording). */
  stepOutputsWithoutVersion(): { assetId: string; jobId: string }[] {
    return this.st
      .get(
        `SELECT a.id AS assetId, a.job_id AS jobId FROM assets a JOIN chain_steps s ON s.job_id = a.job_id
          LEFT JOIN versions v ON v.asset_id = a.id WHERE v.id IS NULL`,
      )
      .all() as { assetId: string; jobId: string }[];
  }
}
