/** Test helpers: an app on its own temporary library folder, calls through the real dispatcher, waiting. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOptions } from '../../src/main/app';
import type { CallInput, CallName, CallOutput } from '../../src/shared/contract';
import { ACTIVE_JOB_STATES, type JobView } from '../../src/shared/domain';
import { AppError } from '../../src/shared/errors';
import pino from 'pino';

export async function tempDir(prefix = 'atelier-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Fast engine timing for tests (ms). */
export const FAST_TIMING = {
  typicalMs: 400,
  retryBaseMs: 20,
  retryCapMs: 200,
  policy: { minGapMs: 40, maxGapMs: 250, overdueStartMs: 50, overdueGrowth: 1.35, aimAfterMs: 20, firstFraction: 0.6 },
  /** Shared polls (several Apiframe jobs read with one `GET /v2/jobs`): every ≤ 120 ms, ≥ 60 ms apart. */
  sharedPollMs: 120,
};

export async function openTestApp(dataDir: string, extra: Partial<AppOptions> = {}): Promise<App> {
  return createApp({
    dataDir,
    env: { ATELIER_SANDBOX_JOB_MS: '300', ...(extra.env ?? {}) },
    timing: FAST_TIMING,
    keychainService: `atelier-test-${process.pid}`,
    logger: pino({ level: 'silent' }),
    ...extra,
  });
}

/**
 * The live images directly in a folder, newest first, as the gallery asks for them (`assets.query`, folder scope,
 * not recursive, stacks not collapsed): the first page (200) and the total.
 */
export async function folderAssets(app: App, folderId: string): Promise<CallOutput<'assets.query'>> {
  return call(app, 'assets.query', { scope: { kind: 'folder', folderId, recursive: false } });
}

/** Calls through the dispatcher as the web transport would; throws the AppError from a failed envelope. */
export async function call<N extends CallName>(app: App, name: N, input: CallInput<N>, transport: 'web' | 'electron' = 'web'): Promise<CallOutput<N>> {
  const r = await app.dispatcher.call(name, input, { transport });
  if (!r.ok) throw AppError.fromShape(r.error);
  return r.value as CallOutput<N>;
}

/**
 * Path grant tokens for `paths`, as the desktop window gets them for files the user dropped or picked (the preload
 * asks the main process to grant each path; src/main/path-grants.ts). Calls from `'electron'` take only these.
 */
export function granted(app: App, paths: string[]): string[] {
  return paths.map((p) => app.services.grants.grant(p));
}

/** Resolves with the error of a call that must fail. */
export async function callError<N extends CallName>(app: App, name: N, input: CallInput<N>, transport: 'web' | 'electron' = 'web'): Promise<AppError> {
  const r = await app.dispatcher.call(name, input, { transport });
  if (r.ok) throw new Error(`${name} succeeded but was expected to fail`);
  return AppError.fromShape(r.error);
}

export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 20_000, everyMs = 25): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until job `id` has finished (any state but the active ones: completed, failed, canceled, expired). */
export function jobFinished(app: App, id: string, timeoutMs = 20_000): Promise<JobView> {
  return waitFor(
    async () => {
      const j = await call(app, 'jobs.get', { id });
      return ACTIVE_JOB_STATES.includes(j.state) ? null : j;
    },
    `job ${id} to finish`,
    timeoutMs,
  );
}
