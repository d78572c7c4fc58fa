/**
 * Issue 9, "a model-based test of the job engine": random sequences of commands — submit (Apiframe, EvoLink,
 * OpenAI; n = 1–10; with or without a reference image from tests/fixtures/images), crash at any step, restart after
 * a clock jump (also past the upload URL's life and past the results' expiry), provider faults (429, 5xx, resets,
 * stalls), pause, resume, cancel, retry — run by fast-check against the real app services (a real SQLite file and
 * image store in a temp folder) and the three provider test servers on loopback, all on one movable clock.
 *
 * A crash closes the database under the engine at a random moment (nothing in flight writes after it) with no
 * clean shutdown, then the app is opened again on the same folder. After each sequence the faults stop, the queue
 * resumes and time moves on, and then every run must hold:
 * - at most one provider creation per job (counted from the test servers' own records) unless the user confirmed a
 *   paid retry;
 * - every job final;
 * - every image a server made is in the library, or the job says why (an error on it);
 * - every charge recorded (Apiframe `creditCost` exactly, OpenAI usage priced, EvoLink's estimate);
 * - no file in objects/ without its row and no row without its file; no `.tmp` left after a restart;
 * - `PRAGMA integrity_check` = ok.
 * It prints one line, `jobs-model runs=… commands=… crashes=… … paid_twice=0 lost_images=0 …`, with the seed;
 * `JOBS_MODEL_SEED=<n>` (and `JOBS_MODEL_RUNS`) replays a run; `JOBS_MODEL_LOG=1` shows the engine's log on stderr.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { JobView } from '../../src/shared/domain';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';
import { GOOD_IMAGES } from '../helpers/paths';
import { PROVIDER_KEYS } from '../helpers/provider-world';
import { startApiframeTestServer, type ApiframeFault, type ApiframeRoute, type ApiframeTestServer } from '../servers/apiframe/server';
import { startEvolinkTestServer, type EvolinkFault, type EvolinkRoute, type EvolinkTestServer } from '../servers/evolink/server';
import { startOpenAiTestServer, type OpenAiFault, type OpenAiRoute, type OpenAiTestServer } from '../servers/openai/server';

const SEED = Number(process.env['JOBS_MODEL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env['JOBS_MODEL_RUNS'] ?? 25);
const MIN = 60_000;
const HOUR = 60 * MIN;
const FINAL = new Set(['completed', 'failed', 'canceled', 'expired']);
/** States the queue offers Retry in (src/renderer/src/features/jobs/labels.ts). */
const RETRIABLE = new Set(['failed', 'canceled', 'expired']);

type Provider = 'apiframe' | 'evolink' | 'openai';
const PROVIDERS: readonly Provider[] = ['apiframe', 'evolink', 'openai'];

/** One clock for the app and the Apiframe and EvoLink servers (OpenAI's keeps nothing that expires). */
const clock = { offsetMs: 0, now: (): number => Date.now() + clock.offsetMs };

let af: ApiframeTestServer;
let ev: EvolinkTestServer;
let oa: OpenAiTestServer;
/** Tiny copies of two fixture photos (48 px), as the composer would stage them. */
let refs: { name: string; b64: string }[] = [];

const totals = {
  runs: 0,
  commands: 0,
  submits: 0,
  withRef: 0,
  crashes: 0,
  cleanRestarts: 0,
  lateRestarts: 0,
  dayRestarts: 0,
  faults: 0,
  cancels: 0,
  retries: 0,
  confirmedRetries: 0,
  creations: 0,
  images: 0,
  paidTwice: 0,
  lostImages: 0,
  uncharged: 0,
  notFinal: 0,
  refusedActions: 0,
  orphans: 0,
  tmp: 0,
  integrity: 'ok',
};

// ── the system under test ────────────────────────────────────────────────────────────────────────────────────────

interface Tracked {
  id: string;
  /** Unique in the prompt: how the servers' records are matched to the job. */
  tag: string;
  provider: Provider;
  n: number;
  withRef: boolean;
}

/** The app under test and what the commands did to it. */
class Real {
  app!: App;
  folderId = '';
  readonly jobs: Tracked[] = [];
  /** Paid retries the user confirmed, per job id. */
  readonly confirmed = new Map<string, number>();
  /** When each job was last retried (`clock` on the Apiframe/EvoLink clock, `wall` on OpenAI's Date.now). */
  readonly retriedAt = new Map<string, { clock: number; wall: number }>();
  /** Actions the UI offers that the app refused (issue 9 item 3), as messages. */
  readonly refused: string[] = [];
  constructor(
    readonly run: number,
    readonly dir: string,
  ) {}

  open(): Promise<App> {
    return openTestApp(this.dir, {
      env: { ATELIER_APIFRAME_BASE_URL: af.url, ATELIER_EVOLINK_BASE_URL: ev.url, ATELIER_OPENAI_BASE_URL: oa.baseUrl },
      now: clock.now,
      ...(process.env['JOBS_MODEL_LOG'] ? { logger: pino({ level: 'info' }, pino.destination(2)) } : {}),
    });
  }

  /**
   * A crash: the engine's timers and requests stop at once and the database is closed under the steps in flight,
   * so nothing that would have been written after this moment is (as with a kill; the WAL is SQLite's to recover).
   */
  async crash(): Promise<void> {
    const settled = this.app.services.engine.stop();
    this.app.services.db.close();
    await settled;
  }
}

interface Model {
  jobs: number;
}

// ── what the servers made, per job ───────────────────────────────────────────────────────────────────────────

interface Creation {
  /** The provider's id where it has one the app can know (Apiframe job, EvoLink task). */
  remoteId: string | null;
  /** Images the server made (a finished, non-failed job), whether or not anyone fetched them. */
  images: number;
  /** What it charged, in the provider's unit (Apiframe credits), null where not reported per job. */
  charge: number | null;
  /** The provider failed it (and refunded it). */
  failed: boolean;
  /** When the server created it: the shared clock for Apiframe and EvoLink, Date.now for OpenAI. */
  at: number;
}

function promptOf(body: unknown): string {
  const b = body as { prompt?: unknown; fields?: { prompt?: unknown } } | undefined;
  return String(b?.prompt ?? b?.fields?.prompt ?? '');
}

function creationsOf(job: Tracked): Creation[] {
  if (job.provider === 'apiframe') {
    return [...af.state.jobs.values()]
      .filter((j) => String(j.input['prompt']).includes(job.tag))
      .map((j) => {
        const st = af.state.statusOf(j.id);
        return { remoteId: j.id, images: st === 'COMPLETED' ? j.count : 0, charge: st === 'FAILED' ? 0 : j.cost, failed: st === 'FAILED', at: j.createdAt };
      });
  }
  if (job.provider === 'evolink') {
    return [...ev.state.tasks.values()]
      .filter((t) => String(t.body['prompt']).includes(job.tag))
      .map((t) => {
        const st = ev.state.statusOf(t.id);
        return { remoteId: t.id, images: st === 'completed' ? t.count : 0, charge: null, failed: st === 'failed', at: t.createdAt };
      });
  }
  // OpenAI is synchronous: a call that reached its handler (no fault in its place; a stall still runs) made its
  // images, whether or not the reply reached the app.
  return [...oa.state.requestsTo('generations'), ...oa.state.requestsTo('edits')]
    .filter((r) => promptOf(r.body).includes(job.tag))
    .filter((r) => (r.fault === undefined || r.fault === 'slow') && !(r.status !== undefined && r.status >= 400 && r.status < 500))
    .map((r) => ({ remoteId: null, images: job.n, charge: null, failed: false, at: r.at }));
}

// ── commands ─────────────────────────────────────────────────────────────────────────────────────────────────────

type Cmd = fc.AsyncCommand<Model, Real>;

const PARAMS: Record<Provider, (n: number) => { model: 'gpt-image-2' | 'gpt-image-1'; params: Record<string, unknown> }> = {
  apiframe: (n) => ({ model: 'gpt-image-2', params: { quality: 'low', number_of_images: n } }),
  evolink: (n) => ({ model: 'gpt-image-2', params: { size: '1:1', quality: 'low', n } }),
  openai: (n) => ({ model: 'gpt-image-1', params: { size: '1024x1024', quality: 'low', n } }),
};
/** A prompt marker each server fails the job on (credits refunded where there were any). */
const FAIL_MARKER: Record<Provider, string> = { apiframe: '[[fail]]', evolink: '[[policy]]', openai: '[[blocked]]' };

class Submit implements Cmd {
  constructor(
    readonly provider: Provider,
    readonly n: number,
    readonly ref: number | null,
    readonly failing: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const tag = `r${r.run}j${m.jobs}`;
    const { model, params } = PARAMS[this.provider](this.n);
    const references = [];
    if (this.ref !== null) {
      const src = refs[this.ref % refs.length]!;
      const staged = await call(r.app, 'references.stage', { source: { name: src.name, dataBase64: src.b64 }, provider: this.provider, model });
      references.push({ blobId: staged.id, name: staged.name });
    }
    const prompt = `a lighthouse at dusk ${tag}${this.failing ? ` ${FAIL_MARKER[this.provider]}` : ''}`;
    const job = await call(r.app, 'jobs.submit', { folderId: r.folderId, provider: this.provider, model, prompt, params, references });
    r.jobs.push({ id: job.id, tag, provider: this.provider, n: this.n, withRef: this.ref !== null });
    m.jobs++;
    totals.submits++;
    if (this.ref !== null) totals.withRef++;
  }
  toString = () => `submit(${this.provider}, n=${this.n}${this.ref !== null ? `, ref=${this.ref}` : ''}${this.failing ? ', failing' : ''})`;
}

type CrashMode = 'now' | 'soon' | 'afterCreation' | 'submitting' | 'running' | 'downloading' | 'clean';

class Crash implements Cmd {
  constructor(
    readonly mode: CrashMode,
    readonly provider: Provider,
    readonly jumpMs: number,
    readonly soonMs: number,
  ) {}
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    const db = r.app.services.db;
    if (this.mode === 'afterCreation') {
      // The provider creates the job, then its reply stalls: the crash falls between creation and journal.
      const before = createdCount(this.provider);
      injectCreateFault(this.provider, { kind: 'slow', delayMs: 1500 }, true);
      await waitFor(() => createdCount(this.provider) > before, 'a creation', 500, 5).catch(() => null);
    } else if (this.mode === 'soon') {
      await sleep(this.soonMs);
    } else if (this.mode === 'submitting' || this.mode === 'running' || this.mode === 'downloading') {
      const state = this.mode;
      await waitFor(() => (db.prepare('SELECT count(*) AS n FROM jobs WHERE state = ?').get(state) as { n: number }).n > 0, state, 500, 2).catch(
        () => null,
      );
    }
    if (this.mode === 'clean') {
      await r.app.close();
      totals.cleanRestarts++;
    } else {
      await r.crash();
      totals.crashes++;
    }
    if (this.mode === 'afterCreation') clearCreateFaults(this.provider);
    clock.offsetMs += this.jumpMs;
    if (this.jumpMs >= 80 * MIN) totals.lateRestarts++;
    if (this.jumpMs >= 24 * HOUR) totals.dayRestarts++;
    r.app = await r.open();
  }
  toString = () =>
    `${this.mode === 'clean' ? 'quit' : 'crash'}(${this.mode}${this.mode === 'afterCreation' ? ` ${this.provider}` : ''}${this.mode === 'soon' ? ` ${this.soonMs}ms` : ''}) → reopen +${fmtMs(this.jumpMs)}`;
}

type FaultSpec =
  | { kind: 'status'; status: 429 | 500 | 503; retryAfterSeconds?: number }
  | { kind: 'drop' }
  | { kind: 'dropMidBody' }
  | { kind: 'slow'; delayMs: number };

type RouteKind = 'create' | 'poll' | 'upload' | 'cdn';

class Fault implements Cmd {
  constructor(
    readonly provider: Provider,
    readonly route: RouteKind,
    readonly fault: FaultSpec,
    readonly times: number,
    readonly after: boolean,
  ) {}
  check = () => true;
  async run(): Promise<void> {
    // OpenAI has no poll, upload or CDN (b64 replies); its creations are counted from requests that ran, so its
    // faults replace the work (before), except stalls, which run it.
    const after = this.effectiveAfter;
    const fault = this.provider === 'openai' && this.fault.kind === 'dropMidBody' ? ({ kind: 'drop' } as const) : this.fault;
    if (this.provider === 'apiframe') {
      const route: ApiframeRoute = { create: 'generate', poll: 'getJob', upload: 'upload', cdn: 'cdn' }[this.route] as ApiframeRoute;
      af.state.inject(route, fault as ApiframeFault, { times: this.times, after });
    } else if (this.provider === 'evolink') {
      const route: EvolinkRoute = { create: 'create', poll: 'getTask', upload: 'upload', cdn: 'cdn' }[this.route] as EvolinkRoute;
      ev.state.inject(route, fault as EvolinkFault, { times: this.times, after });
    } else {
      for (const route of ['generations', 'edits'] as OpenAiRoute[]) oa.state.inject(route, fault as OpenAiFault, { times: this.times, after });
    }
    totals.faults++;
  }
  /** A 429 is a refusal (no provider does the work and then answers 429), so it never comes after the work. */
  get effectiveAfter(): boolean {
    return this.after && this.provider !== 'openai' && !(this.fault.kind === 'status' && this.fault.status === 429);
  }
  toString = () => `fault(${this.provider} ${this.route} ${JSON.stringify(this.fault)} ×${this.times}${this.effectiveAfter ? ' after' : ''})`;
}

class Pause implements Cmd {
  constructor(
    readonly scope: Provider | 'all',
    readonly resume: boolean,
  ) {}
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    await call(r.app, this.resume ? 'queue.resume' : 'queue.pause', { scope: this.scope });
  }
  toString = () => `${this.resume ? 'resume' : 'pause'}(${this.scope})`;
}

class Cancel implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.jobs > 0;
  async run(_m: Model, r: Real): Promise<void> {
    // The queue offers Cancel on an active job not already marked.
    const views = await Promise.all(r.jobs.map((j) => call(r.app, 'jobs.get', { id: j.id })));
    const offered = views.filter((v) => !FINAL.has(v.state) && !v.cancelRequested);
    if (offered.length === 0) return;
    const before = offered[this.pick % offered.length]!;
    const job = r.jobs.find((j) => j.id === before.id)!;
    totals.cancels++;
    const res = await r.app.dispatcher.call('jobs.cancel', { id: job.id }, { transport: 'web' });
    if (!res.ok) {
      const now = await call(r.app, 'jobs.get', { id: job.id });
      if (!FINAL.has(now.state)) r.refused.push(`cancel of ${job.tag} (${before.state}) refused: ${res.error.message}`);
    }
  }
  toString = () => `cancel(#${this.pick})`;
}

class Retry implements Cmd {
  constructor(
    readonly pick: number,
    readonly confirm: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.jobs > 0;
  async run(_m: Model, r: Real): Promise<void> {
    // The queue offers Retry on jobs that ended without their images (src/renderer/src/features/jobs/labels.ts):
    // the user waits up to 0.8 s for one, then retries it.
    const offered = await waitFor(
      async () => {
        const views = await Promise.all(r.jobs.map((j) => call(r.app, 'jobs.get', { id: j.id })));
        const ended = views.filter((v) => RETRIABLE.has(v.state));
        return ended.length > 0 ? ended : null;
      },
      'a job to retry',
      800,
      50,
    ).catch(() => null);
    if (!offered) return;
    const before = offered[this.pick % offered.length]!;
    const job = r.jobs.find((j) => j.id === before.id)!;
    totals.retries++;
    const at = { clock: clock.now(), wall: Date.now() };
    const res = await r.app.dispatcher.call('jobs.retry', { id: job.id }, { transport: 'web' });
    if (res.ok) {
      r.retriedAt.set(job.id, at);
      return;
    }
    if (res.error.code === 'paid_retry_unconfirmed') {
      // The job may have been charged: the UI asks, naming the cost (issue 9 item 1). The user says yes or no.
      if (!this.confirm) return;
      const again = await r.app.dispatcher.call('jobs.retry', { id: job.id, confirmPaid: true }, { transport: 'web' });
      if (again.ok) {
        r.retriedAt.set(job.id, at);
        r.confirmed.set(job.id, (r.confirmed.get(job.id) ?? 0) + 1);
        totals.confirmedRetries++;
        return;
      }
      r.refused.push(`confirmed retry of ${job.tag} (${before.state}) refused: ${again.error.code} ${again.error.message}`);
      return;
    }
    // Refused because of the job's state: an action offered where it does not work (issue 9 item 3: Retry on
    // canceled and expired jobs).
    r.refused.push(`retry of ${job.tag} (${before.state}) refused: ${res.error.code} ${res.error.message}`);
  }
  toString = () => `retry(#${this.pick}${this.confirm ? ', confirmed' : ''})`;
}

class Wait implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(): Promise<void> {
    await sleep(this.ms);
  }
  toString = () => `wait(${this.ms}ms)`;
}

const provider = fc.constantFrom<Provider>(...PROVIDERS);
const jump = fc.oneof(
  { weight: 5, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(30_000) },
  // Under 10 minutes of the 90-minute upload URL left: the engine re-uploads before a resubmit.
  { weight: 2, arbitrary: fc.constant(82 * MIN) },
  // Past the upload URL's life.
  { weight: 1, arbitrary: fc.constant(95 * MIN) },
  // Past the results' retention (24 h) and Apiframe's idempotency window (24 h).
  { weight: 1, arbitrary: fc.constant(25 * HOUR) },
);
const faultSpec: fc.Arbitrary<FaultSpec> = fc.oneof(
  fc.constantFrom<FaultSpec>({ kind: 'status', status: 429, retryAfterSeconds: 0 }, { kind: 'status', status: 429, retryAfterSeconds: 1 }),
  fc.constantFrom<FaultSpec>({ kind: 'status', status: 500 }, { kind: 'status', status: 503 }),
  fc.constantFrom<FaultSpec>({ kind: 'drop' }, { kind: 'dropMidBody' }),
  fc.integer({ min: 100, max: 1200 }).map((delayMs): FaultSpec => ({ kind: 'slow', delayMs })),
);

const submit = fc
  .tuple(provider, fc.integer({ min: 1, max: 10 }), fc.option(fc.nat(1), { freq: 2 }), fc.integer({ min: 0, max: 9 }).map((x) => x < 2))
  .map(([p, n, ref, failing]) => new Submit(p, n, ref, failing));
const crash = fc
  .tuple(
    fc.constantFrom<CrashMode>('now', 'soon', 'afterCreation', 'afterCreation', 'submitting', 'running', 'downloading', 'clean'),
    provider,
    jump,
    fc.integer({ min: 0, max: 400 }),
  )
  .map(([mode, p, j, soon]) => new Crash(mode, p, j, soon));
const fault = fc
  .tuple(provider, fc.constantFrom<RouteKind>('create', 'create', 'poll', 'upload', 'cdn'), faultSpec, fc.integer({ min: 1, max: 3 }), fc.boolean())
  .map(([p, route, f, times, after]) => new Fault(p, route, f, times, after));

const retry = fc.tuple(fc.nat(20), fc.boolean()).map(([i, c]) => new Retry(i, c));

/** fc.commands picks among these uniformly: submits, crashes, faults and retries appear more than once to weigh them. */
const commands = [
  submit,
  submit,
  submit,
  crash,
  crash,
  fault,
  fault,
  fc.tuple(fc.constantFrom<Provider | 'all'>('all', ...PROVIDERS), fc.boolean()).map(([s, resume]) => new Pause(s, resume)),
  fc.nat(20).map((i) => new Cancel(i)),
  retry,
  retry,
  fc.integer({ min: 20, max: 500 }).map((ms) => new Wait(ms)),
];

// ── the servers' side of faults ────────────────────────────────────────────────────────────────────────────────

function createdCount(p: Provider): number {
  if (p === 'apiframe') return af.state.jobsCreated;
  if (p === 'evolink') return ev.state.tasksCreated;
  return oa.state.imagesGenerated;
}

function injectCreateFault(p: Provider, fault: { kind: 'slow'; delayMs: number }, after: boolean): void {
  if (p === 'apiframe') af.state.inject('generate', fault, { after });
  else if (p === 'evolink') ev.state.inject('create', fault, { after });
  else for (const route of ['generations', 'edits'] as const) oa.state.inject(route, fault, { after });
}

function clearCreateFaults(p: Provider): void {
  if (p === 'apiframe') af.state.clearFaults();
  else if (p === 'evolink') ev.state.clearFaults();
  else oa.state.clearFaults();
}

// ── the invariants ───────────────────────────────────────────────────────────────────────────────────────────

interface Verdict {
  paidTwice: string[];
  lost: string[];
  lostImages: number;
  uncharged: string[];
  notFinal: string[];
  orphans: string[];
  tmp: string[];
  integrity: string;
  creations: number;
  images: number;
}

async function verdictOf(r: Real): Promise<Verdict> {
  const v: Verdict = { paidTwice: [], lost: [], lostImages: 0, uncharged: [], notFinal: [], orphans: [], tmp: [], integrity: '', creations: 0, images: 0 };
  for (const job of r.jobs) {
    const view: JobView = await call(r.app, 'jobs.get', { id: job.id });
    const made = creationsOf(job);
    v.creations += made.length;
    v.images += view.assetIds.length;
    const what = `${job.tag} ${job.provider} n=${job.n}${job.withRef ? ' ref' : ''} → ${view.state}${view.error ? ` (${view.error.code})` : ''}`;
    if (!FINAL.has(view.state)) v.notFinal.push(what);
    // At most one paid creation per job, plus one per paid retry the user confirmed (issue 9 item 1). A creation the
    // provider failed is refunded (both Apiframe and EvoLink return the credits), so a retry of it pays once.
    const allowed = 1 + (r.confirmed.get(job.id) ?? 0);
    const paid = made.filter((c) => !c.failed);
    if (paid.length > allowed) v.paidTwice.push(`${what}: ${paid.length} paid creations (${made.length} in all), ${allowed - 1} confirmed`);
    // The creations of the job's current attempt (since its last retry: earlier ones ended with an error the user
    // saw before retrying), and the one the job follows: its remote id, else (OpenAI) its last call.
    const since = r.retriedAt.get(job.id);
    const current = since ? made.filter((c) => c.at >= (job.provider === 'openai' ? since.wall : since.clock)) : made;
    const adopted = current.find((c) => c.remoteId !== null && c.remoteId === view.remoteJobId) ?? (job.provider === 'openai' ? current.at(-1) : undefined);
    // An error on the job says why its images are missing, except a 409 on our own key (`provider_conflict`: the paid
    // job was never followed; issue 9 item 1) and a cancel that claims nothing was charged (`charge: none`, e.g.
    // "canceled before it was sent") while the provider had made the images.
    const claimsFree = (view as { charge?: string }).charge === undefined || (view as { charge?: string }).charge === 'none';
    const unexplained = view.error === null || /conflict/.test(view.error.code) || (view.state === 'canceled' && claimsFree);
    if (view.state === 'completed' && adopted && view.assetIds.length < adopted.images) {
      v.lost.push(`${what}: ${adopted.images} made, ${view.assetIds.length} in the library`);
      v.lostImages += adopted.images - view.assetIds.length;
    } else if (view.state !== 'completed' && unexplained) {
      // Canceled "before it was sent" while the provider has made the images: lost without a word.
      const n = current.reduce((s, c) => s + c.images, 0);
      if (n > 0) {
        v.lost.push(`${what}: ${n} made, none kept, and the job says ${view.error ? `"${view.error.message}"` : 'nothing'}`);
        v.lostImages += n;
      }
    }
    // Images of creations past the allowance were paid for and never kept.
    if (paid.length > allowed) v.lostImages += paid.filter((c) => c !== adopted).reduce((s, c) => s + c.images, 0);
    // Every charge recorded.
    if (job.provider === 'apiframe' && adopted && !adopted.failed && adopted.charge !== null && view.state !== 'failed' && view.credits !== adopted.charge) {
      // Includes an expired job that carried creditCost (issue 9 item 2).
      v.uncharged.push(`${what}: Apiframe charged ${adopted.charge} credits, the job records ${String(view.credits)}`);
    }
    if (job.provider === 'openai' && view.state === 'completed' && !(view.costUsd !== null && view.costUsd > 0)) {
      v.uncharged.push(`${what}: OpenAI usage not priced (costUsd ${String(view.costUsd)})`);
    }
    if (job.provider === 'evolink' && made.length > 0 && !(view.usdEstimate !== null && view.usdEstimate > 0)) {
      v.uncharged.push(`${what}: no EvoLink estimate`);
    }
  }
  // The image store: no file without its row, no row without its file, nothing left in tmp/.
  const rows = new Map(
    (r.app.services.db.prepare('SELECT id, ext FROM blobs').all() as { id: string; ext: string }[]).map((b) => [`${b.id}.${b.ext}`, b.id]),
  );
  const files = new Set<string>();
  const objects = join(r.dir, 'objects');
  for (const sub of await readdir(objects).catch(() => [] as string[])) {
    for (const f of await readdir(join(objects, sub)).catch(() => [] as string[])) {
      files.add(f);
      if (!rows.has(f)) v.orphans.push(`objects/${sub}/${f} has no row`);
    }
  }
  for (const name of rows.keys()) if (!files.has(name)) v.orphans.push(`blob ${name} has no file`);
  v.tmp = (await readdir(join(r.dir, 'tmp')).catch(() => [] as string[])).filter((f) => f.endsWith('.tmp'));
  v.integrity = (r.app.services.db.pragma('integrity_check', { simple: true }) as string) ?? '';
  return v;
}

// ── the property ─────────────────────────────────────────────────────────────────────────────────────────────────

let runNo = 0;

async function runOnce(cmds: Iterable<Cmd>): Promise<void> {
  const run = ++runNo;
  const { dir, cleanup } = await tempDir('atelier-model-');
  const real = new Real(run, dir);
  for (const s of [af.state, ev.state, oa.state]) s.clearFaults();
  real.app = await real.open();
  try {
    for (const p of PROVIDERS) await call(real.app, 'settings.setKey', { provider: p, key: PROVIDER_KEYS[p] });
    real.folderId = (await call(real.app, 'folders.create', { name: `Model run ${run}`, parentId: null })).id;
    const list = [...cmds];
    totals.commands += list.length;
    await fc.asyncModelRun(() => ({ model: { jobs: 0 }, real }), list);

    // The faults stop, the queue resumes, time moves on: every job must end.
    for (const s of [af.state, ev.state, oa.state]) s.clearFaults();
    await call(real.app, 'queue.resume', { scope: 'all' });
    await waitFor(
      async () => {
        const views = await Promise.all(real.jobs.map((j) => call(real.app, 'jobs.get', { id: j.id })));
        return views.every((j) => FINAL.has(j.state));
      },
      'every job final',
      15_000,
      40,
    ).catch(() => null);
    // Stalled requests the app gave up on may still create at the server: let them land before counting.
    await waitFor(() => openRequests() === 0, 'the servers idle', 2_000, 20).catch(() => null);
    // One more restart: what it sweeps and resumes must leave the same library.
    await real.app.close();
    real.app = await real.open();
    await sleep(30);
    const v = await verdictOf(real);
    totals.runs++;
    totals.creations += v.creations;
    totals.images += v.images;
    totals.paidTwice += v.paidTwice.length;
    totals.lostImages += v.lostImages;
    totals.uncharged += v.uncharged.length;
    totals.notFinal += v.notFinal.length;
    totals.refusedActions += real.refused.length;
    totals.orphans += v.orphans.length;
    totals.tmp += v.tmp.length;
    if (v.integrity !== 'ok') totals.integrity = v.integrity;
    const problems = [
      ...v.paidTwice.map((s) => `paid twice: ${s}`),
      ...v.lost.map((s) => `lost images: ${s}`),
      ...v.uncharged.map((s) => `charge not recorded: ${s}`),
      ...v.notFinal.map((s) => `not final: ${s}`),
      ...real.refused.map((s) => `offered but refused: ${s}`),
      ...v.orphans.map((s) => `orphan: ${s}`),
      ...v.tmp.map((s) => `left in tmp/: ${s}`),
      ...(v.integrity === 'ok' ? [] : [`integrity_check: ${v.integrity}`]),
    ];
    if (problems.length > 0) throw new Error(`run ${run} (seed ${SEED}):\n  ${problems.join('\n  ')}\ncommands: ${list.map(String).join(' · ')}`);
  } finally {
    for (const p of PROVIDERS) await call(real.app, 'settings.clearKey', { provider: p }).catch(() => undefined);
    await real.app.close().catch(() => undefined);
    await cleanup();
  }
}

/** Requests the servers are still answering (stalls). */
function openRequests(): number {
  return [...af.state.requests, ...ev.state.requests, ...oa.state.requests].filter((r) => r.status === undefined).length;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function fmtMs(ms: number): string {
  if (ms >= HOUR) return `${Math.round((ms / HOUR) * 10) / 10}h`;
  if (ms >= MIN) return `${Math.round(ms / MIN)}min`;
  return `${ms / 1000}s`;
}

describe('the job engine, model-based', () => {
  beforeAll(async () => {
    af = await startApiframeTestServer({ keys: [PROVIDER_KEYS.apiframe], jobDurationMs: 300, queueDelayMs: 50, imageLongEdge: 128, now: clock.now });
    ev = await startEvolinkTestServer({ keys: [{ key: PROVIDER_KEYS.evolink, credits: 1e9 }], taskDurationMs: 300, queueDelayMs: 50, imageScale: 8, now: clock.now });
    oa = await startOpenAiTestServer({ keys: [PROVIDER_KEYS.openai], processingDelayMs: 20, maxRenderEdge: 128 });
    af.state.setCredits(PROVIDER_KEYS.apiframe, 1e9);
    refs = await Promise.all(
      ['astronaut.png', 'coffee.png'].map(async (name) => ({
        name,
        b64: (await sharp(await readFile(join(GOOD_IMAGES, name))).resize(48, 48, { fit: 'inside' }).png().toBuffer()).toString('base64'),
      })),
    );
  });
  afterAll(async () => {
    console.log(
      `jobs-model runs=${totals.runs} commands=${totals.commands} submits=${totals.submits} with_ref=${totals.withRef} ` +
        `crashes=${totals.crashes} quits=${totals.cleanRestarts} late_restarts=${totals.lateRestarts} day_restarts=${totals.dayRestarts} ` +
        `faults=${totals.faults} cancels=${totals.cancels} retries=${totals.retries} confirmed=${totals.confirmedRetries} ` +
        `creations=${totals.creations} images=${totals.images} paid_twice=${totals.paidTwice} lost_images=${totals.lostImages} ` +
        `uncharged=${totals.uncharged} not_final=${totals.notFinal} refused=${totals.refusedActions} orphans=${totals.orphans} ` +
        `tmp=${totals.tmp} integrity=${totals.integrity} seed=${SEED}`,
    );
    await Promise.all([af?.close(), ev?.close(), oa?.close()]);
  });

  it('never pays twice, never loses an image, records every charge, across crashes, clock jumps and faults', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 14, size: 'medium' }), (cmds) => runOnce(cmds)),
      { seed: SEED, numRuns: RUNS, endOnFailure: true, verbose: 1 },
    );
    expect(totals.paidTwice).toBe(0);
  }, 120_000);
});
