/**
 * The one rule of what the queue offers on a job and the engine accepts (src/shared/jobs.ts): every job state ×
 * every action, the charge status behind a paid retry's confirmation, and the words for a short job.
 */
import { describe, expect, it } from 'vitest';
import { JOB_STATES, type JobState } from '../../src/shared/domain';
import type { ErrorCode } from '../../src/shared/errors';
import { jobActions, jobCharge, jobShortfall, type JobActionFacts } from '../../src/shared/jobs';

const err = (code: ErrorCode) => ({ code, message: code, retryable: false });
const facts = (state: JobState, over: Partial<JobActionFacts> = {}): JobActionFacts => ({
  state,
  cancelRequested: false,
  remoteJobId: null,
  error: null,
  charge: 'none',
  ...over,
});

describe('jobActions: every state × every action', () => {
  const expected: Record<JobState, { cancel: boolean; retry: boolean }> = {
    queued: { cancel: true, retry: false },
    submitting: { cancel: true, retry: false },
    running: { cancel: true, retry: false },
    downloading: { cancel: true, retry: false },
    completed: { cancel: false, retry: false },
    failed: { cancel: false, retry: true },
    canceled: { cancel: false, retry: true },
    expired: { cancel: false, retry: true },
  };
  it('covers every state the journal has', () => {
    expect(Object.keys(expected).sort()).toEqual([...JOB_STATES].sort());
  });
  for (const state of JOB_STATES) {
    it(`${state}: cancel ${expected[state].cancel}, retry ${expected[state].retry}`, () => {
      const a = jobActions(facts(state));
      expect(a.cancel).toBe(expected[state].cancel);
      expect(a.retry !== null).toBe(expected[state].retry);
      // Once a cancel was asked for, it is not offered again.
      expect(jobActions(facts(state, { cancelRequested: true })).cancel).toBe(false);
    });
  }

  it('a job that failed on our side while the provider has it resumes watching, free', () => {
    const a = jobActions(facts('failed', { remoteJobId: 'r1', error: err('provider_bad_response'), charge: 'unknown' }));
    expect(a.retry).toEqual({ mode: 'resume', confirm: false });
  });
  it('a job the provider failed, purged, lost or canceled is submitted anew', () => {
    for (const code of ['provider_job_failed', 'result_expired', 'provider_not_found', 'canceled'] as const) {
      expect(jobActions(facts('failed', { remoteJobId: 'r1', error: err(code) })).retry?.mode).toBe('resubmit');
    }
  });
  it('a fresh submit is confirmed exactly where the job may have been charged', () => {
    expect(jobActions(facts('canceled', { charge: 'none' })).retry).toEqual({ mode: 'resubmit', confirm: false });
    expect(jobActions(facts('expired', { remoteJobId: 'r', charge: 'charged' })).retry).toEqual({ mode: 'resubmit', confirm: true });
    expect(jobActions(facts('failed', { error: err('provider_conflict'), charge: 'unknown' })).retry).toEqual({
      mode: 'resubmit',
      confirm: true,
    });
  });
});

describe('jobCharge', () => {
  const base = { provider: 'apiframe', remoteId: null, credits: null, costUsd: null, postedAt: null, error: null };
  it('never sent: none; reported charges: charged, or none at zero', () => {
    expect(jobCharge(base)).toBe('none');
    expect(jobCharge({ ...base, remoteId: 'r', credits: 9 })).toBe('charged');
    expect(jobCharge({ ...base, remoteId: 'r', credits: 0 })).toBe('none'); // Apiframe refunds a FAILED job
    expect(jobCharge({ ...base, costUsd: 0.04 })).toBe('charged');
  });
  it('accepted without a charge, or a submit with an unknown outcome: unknown', () => {
    expect(jobCharge({ ...base, remoteId: 'r' })).toBe('unknown');
    for (const code of ['timeout', 'network', 'provider_unavailable', 'provider_conflict', 'interrupted'] as const) {
      expect(jobCharge({ ...base, postedAt: 1, error: err(code) })).toBe('unknown');
    }
  });
  it('a submit the provider refused unrun: none', () => {
    for (const code of ['provider_rejected', 'provider_auth', 'insufficient_credits', 'rate_limited', 'validation'] as const) {
      expect(jobCharge({ ...base, postedAt: 1, error: err(code) })).toBe('none');
    }
  });
  it('the sandbox is free', () => {
    expect(jobCharge({ ...base, provider: 'sandbox', remoteId: 'r' })).toBe('none');
  });
});

describe('jobShortfall', () => {
  const job = {
    state: 'completed' as JobState,
    provider: 'apiframe' as const,
    expectedCount: 3,
    assetIds: ['a'],
    credits: 9,
    creditsEstimate: 27,
  };
  it('1 of 3, charged for 1 from creditCost over the price per image', () => {
    expect(jobShortfall(job)).toEqual({ returned: 1, expected: 3, chargedFor: 1 });
    expect(jobShortfall({ ...job, credits: 27 })?.chargedFor).toBe(3);
  });
  it('charge unknown without a creditCost', () => {
    expect(jobShortfall({ ...job, credits: null })?.chargedFor).toBeNull();
  });
  it('no shortfall when all arrived or the job is not complete', () => {
    expect(jobShortfall({ ...job, assetIds: ['a', 'b', 'c'] })).toBeNull();
    expect(jobShortfall({ ...job, state: 'running' })).toBeNull();
  });
});

describe('the words for it exist in English, Korean and Japanese', () => {
  const KEYS = [
    'jobs.retryPaidTitle',
    'jobs.retryPaidCharged',
    'jobs.retryPaidUnknown',
    'jobs.retryPaidCost',
    'jobs.retryPaidCostUnknown',
    'jobs.retryPaidConfirm',
    'jobs.shortfall',
    'jobs.shortfallCharged_one',
    'jobs.shortfallCharged_other',
    'jobs.shortfallChargeUnknown',
    'errors.paid_retry_unconfirmed',
    'errors.provider_conflict_not_found',
  ];
  for (const locale of ['en', 'ko', 'ja']) {
    it(locale, async () => {
      const strings = (await import(`../../src/renderer/src/i18n/${locale}.json`)) as Record<string, Record<string, string>>;
      for (const k of KEYS) {
        const [group, key] = k.split('.') as [string, string];
        expect(strings[group]?.[key], `${locale} ${k}`).toMatch(/\S/);
      }
    });
  }
});
