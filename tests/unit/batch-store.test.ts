/**
 * The batch feature's store (src/renderer/src/features/batches/store.ts) as a unit, on a scripted transport: a
 * batch row's `job.updated` re-reads the queue's batches only when the row's state changes. Progress and poll
 * updates (most of a running batch's events) read nothing: `batches.list` carries every listed batch's row ids
 * (50 batches of 200 rows: ~400 KB, ~45 ms through the dispatcher), so re-reading it on each was the hot path.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Transport } from '../../src/renderer/src/transport/types';
import { setTransport } from '../../src/renderer/src/transport';
import { useBatches } from '../../src/renderer/src/features/batches/store';

describe('batch store', () => {
  let calls: string[];
  let emit: (e: { name: string; payload: Record<string, unknown> }) => void;

  beforeEach(() => {
    vi.useFakeTimers();
    calls = [];
    const transport = {
      kind: 'web',
      async call(name: string) {
        calls.push(name);
        if (name === 'batches.list') return [{ id: 'b1', jobIds: ['j1', 'j2'] }];
        throw new Error(`unexpected call ${name}`);
      },
      subscribe(fn: typeof emit) {
        emit = fn;
        return () => {};
      },
      onReconnect: () => () => {},
    } as unknown as Transport;
    setTransport(transport);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const settle = async (): Promise<void> => {
    await vi.advanceTimersByTimeAsync(300);
  };

  it('re-reads the batches when a row changes state, not on its progress', async () => {
    await useBatches.getState().load();
    expect(calls).toEqual(['batches.list']);
    const update = (id: string, state: string, progress: number) => emit({ name: 'job.updated', payload: { id, state, progress } });

    update('j1', 'running', 0.1);
    await settle();
    expect(calls).toHaveLength(2); // first sight of the row's state
    for (let p = 0.2; p < 1; p += 0.1) {
      update('j1', 'running', p);
      await settle();
    }
    expect(calls).toHaveLength(2); // progress only: nothing read
    update('j1', 'completed', 1);
    await settle();
    expect(calls).toHaveLength(3);
    update('jX', 'completed', 1); // not a batch row
    emit({ name: 'batch.changed', payload: { batchId: 'b1' } });
    await settle();
    expect(calls).toHaveLength(4);
  });
});
