import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canTransition } from '../../src/main/services/jobs/journal';
import { JOB_STATES, type JobState } from '../../src/shared/domain';

describe('job state machine', () => {
  it('follows the happy path', () => {
    const path: JobState[] = ['queued', 'submitting', 'running', 'downloading', 'completed'];
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it('never leaves completed; leaves canceled or expired only for queued (a retry that submits anew)', () => {
    for (const to of JOB_STATES) {
      expect(canTransition('completed', to)).toBe(false);
      expect(canTransition('canceled', to)).toBe(to === 'queued');
      expect(canTransition('expired', to)).toBe(to === 'queued');
    }
  });

  it('cannot skip the submit (no result without a remote job)', () => {
    expect(canTransition('queued', 'running')).toBe(false);
    expect(canTransition('queued', 'downloading')).toBe(false);
    // A synchronous provider goes straight from submitting to downloading (its reply carried the images).
    expect(canTransition('submitting', 'downloading')).toBe(true);
    expect(canTransition('running', 'completed')).toBe(false);
  });

  // The table alone also allows failed → running (a retry that resumes watching); the engine takes that edge only
  // for a job with a remote id (tests/integration/jobs-queue.test.ts), so here: submitting or a failure came first.
  it('every walk that reaches completed passed through downloading, after submitting or a failure (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...JOB_STATES), { maxLength: 30 }), (steps) => {
        let state: JobState = 'queued';
        const seen = new Set<JobState>([state]);
        for (const s of steps) {
          if (canTransition(state, s)) {
            state = s;
            seen.add(s);
          }
        }
        if (state === 'completed') {
          expect(seen.has('submitting') || seen.has('failed')).toBe(true);
          expect(seen.has('downloading')).toBe(true);
        }
      }),
    );
  });
});
