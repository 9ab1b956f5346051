import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BulkheadRejectedError, ConfigError } from '../errors.js';
import { ManualClock } from '../clock.js';
import { hedge } from '../hedge/hedge.js';
import { pipeline } from '../pipeline.js';
import { timeout } from '../timeout/timeout.js';
import { bulkhead } from './bulkhead.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('bulkhead', () => {
  it('runs up to maxConcurrent, queues up to maxQueue in order, rejects the rest', async () => {
    const b = bulkhead({ maxConcurrent: 2, maxQueue: 1 });
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const calls = gates.map((g, i) =>
      b.execute(() => {
        started.push(i);
        return g.promise.then(() => i);
      }),
    );
    await expect(b.execute(() => 'x')).rejects.toBeInstanceOf(BulkheadRejectedError);
    await expect(b.execute(() => 'x')).rejects.toMatchObject({ code: 'BW_BULKHEAD_FULL' });
    expect(started).toEqual([0, 1]);
    expect([b.active, b.queued]).toEqual([2, 1]);
    gates[1]!.resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.resolve();
    gates[2]!.resolve();
    await expect(Promise.all(calls)).resolves.toEqual([0, 1, 2]);
    expect([b.active, b.queued]).toEqual([0, 0]);
  });

  it('releases the slot when a call fails or throws synchronously', async () => {
    const b = bulkhead({ maxConcurrent: 1 });
    await expect(
      b.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(
      b.execute(async () => {
        throw new Error('async');
      }),
    ).rejects.toThrow('async');
    await expect(b.execute(() => 'ok')).resolves.toBe('ok');
  });

  it('a queued caller that aborts leaves the queue at once with its reason', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const gate = deferred();
    const first = b.execute(() => gate.promise);
    const ac = new AbortController();
    let ran = false;
    const queued = b.execute(
      () => {
        ran = true;
      },
      { signal: ac.signal },
    );
    const third = b.execute(() => 'third');
    expect(b.queued).toBe(2);
    const reason = new Error('no longer needed');
    ac.abort(reason);
    await expect(queued).rejects.toBe(reason);
    expect(b.queued).toBe(1);
    gate.resolve();
    await first;
    await expect(third).resolves.toBe('third');
    expect(ran).toBe(false);
  });

  it('never runs more than maxConcurrent and serves every call (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.record({ fail: fc.boolean(), ticks: fc.integer({ min: 0, max: 3 }) }), {
          minLength: 1,
          maxLength: 20,
        }),
        async (maxConcurrent, maxQueue, jobs) => {
          const b = bulkhead({ maxConcurrent, maxQueue });
          let running = 0;
          let peak = 0;
          const outcomes = await Promise.allSettled(
            jobs.map((job) =>
              b.execute(async () => {
                running++;
                peak = Math.max(peak, running);
                for (let t = 0; t < job.ticks; t++) await Promise.resolve();
                running--;
                if (job.fail) throw new Error('job failed');
                return true;
              }),
            ),
          );
          expect(peak).toBeLessThanOrEqual(maxConcurrent);
          const rejected = outcomes.filter(
            (o) => o.status === 'rejected' && o.reason instanceof BulkheadRejectedError,
          ).length;
          // Everything is submitted synchronously: exactly the overflow is rejected.
          expect(rejected).toBe(Math.max(0, jobs.length - maxConcurrent - maxQueue));
          expect([b.active, b.queued]).toEqual([0, 0]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('never starts a queued hedge attempt once another attempt won (issue 12.7)', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const gate = deferred();
    const started: number[] = [];
    const call = pipeline(hedge({ delayMs: 10, clock }), b).execute((ctx) => {
      started.push(ctx.attempt);
      return gate.promise.then(() => `attempt ${ctx.attempt}`);
    });
    clock.advance(10); // the hedge attempt is queued behind the first
    expect([b.active, b.queued]).toEqual([1, 1]);
    gate.resolve();
    await expect(call).resolves.toBe('attempt 0');
    for (let i = 0; i < 3; i++) await flush();
    expect(started).toEqual([0]);
    expect([b.active, b.queued]).toEqual([0, 0]);
  });

  it('the same with a timeout between hedge and bulkhead (more promise hops)', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const gate = deferred();
    let starts = 0;
    const call = pipeline(hedge({ delayMs: 10, clock }), timeout(1_000, { clock }), b).execute(() => {
      starts++;
      return gate.promise.then(() => 'ok');
    });
    clock.advance(10);
    gate.resolve();
    await expect(call).resolves.toBe('ok');
    for (let i = 0; i < 3; i++) await flush();
    expect(starts).toBe(1);
  });

  it('a call arriving while a freed slot is being handed over queues behind the waiter (FIFO)', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const gate = deferred();
    const order: string[] = [];
    const first = b.execute(() => gate.promise);
    const second = b.execute(() => {
      order.push('queued');
    });
    gate.resolve();
    await first;
    const third = b.execute(() => {
      order.push('late');
    });
    await Promise.all([second, third]);
    expect(order).toEqual(['queued', 'late']);
  });

  it('validates its options', () => {
    expect(() => bulkhead({ maxConcurrent: 0 })).toThrow('bulkhead.maxConcurrent: expected an integer ≥ 1, got 0');
    expect(() => bulkhead({ maxConcurrent: 1, maxQueue: -1 })).toThrow(
      'bulkhead.maxQueue: expected an integer ≥ 0, got -1',
    );
    expect(() => bulkhead(undefined as never)).toThrow(ConfigError);
  });
});
