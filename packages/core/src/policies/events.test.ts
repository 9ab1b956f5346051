import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { bulkhead } from '../bulkhead/bulkhead.js';
import { cacheFallback } from '../fallback/cache-fallback.js';
import { fallback } from '../fallback/fallback.js';
import { hedge } from '../hedge/hedge.js';
import { pipeline } from '../pipeline.js';
import { rateLimit } from '../rate-limit/rate-limit.js';
import { constantBackoff } from '../retry/backoff.js';
import { retryBudget } from '../retry/budget.js';
import { retry } from '../retry/retry.js';
import { timeout } from '../timeout/timeout.js';

// Issue 13.4: every policy reports what it did, with typed events and an unsubscribe.
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('policy events', () => {
  it('timeout: `timeout` with the limit, the attempt and the call context (non-enumerable)', async () => {
    const clock = new ManualClock();
    const t = timeout(100, { clock });
    const seen: unknown[] = [];
    const off = t.on('timeout', (e) => seen.push(e));
    const context = { request: 'r1' };
    const call = t.execute(() => new Promise(() => {}), { context });
    clock.advance(100);
    await expect(call).rejects.toMatchObject({ code: 'BW_TIMEOUT' });
    expect(seen).toEqual([{ timeoutMs: 100, attempt: 0 }]);
    expect((seen[0] as { context: unknown }).context).toBe(context);
    expect(JSON.stringify(seen[0])).not.toContain('r1');
    off();
    const again = t.execute(() => new Promise(() => {}));
    clock.advance(100);
    await again.catch(() => undefined);
    expect(seen).toHaveLength(1);
  });

  it('retry: `retry` before each retry and `giveUp` when attempts run out', async () => {
    const clock = new ManualClock();
    const r = retry({ maxAttempts: 2, backoff: constantBackoff(0), clock });
    const events: string[] = [];
    r.on('retry', (e) => events.push(`retry ${e.attempt}`));
    r.on('giveUp', (e) => events.push(`giveUp ${e.attempts} ${e.reason} ${(e.error as Error).message}`));
    await expect(
      r.execute(() => {
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    expect(events).toEqual(['retry 1', 'giveUp 2 maxAttempts down']);
  });

  it('retry: `giveUp` reasons budget and retryAfter; none when retryOn declines or the caller aborts', async () => {
    const clock = new ManualClock();
    const reasons: string[] = [];
    const budgeted = retry({
      maxAttempts: 5,
      backoff: constantBackoff(0),
      budget: retryBudget({ ratio: 0, minRetriesPerSecond: 0, clock }),
      clock,
    });
    budgeted.on('giveUp', (e) => reasons.push(e.reason));
    await budgeted
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    const hinted = retry({ maxAttempts: 5, maxRetryAfterMs: 1000, clock });
    hinted.on('giveUp', (e) => reasons.push(e.reason));
    await hinted
      .execute(() => {
        throw Object.assign(new Error('busy'), { retryAfterMs: 5000 });
      })
      .catch(() => undefined);
    const declined = retry({ maxAttempts: 5, retryOn: () => false, clock });
    declined.on('giveUp', (e) => reasons.push(e.reason));
    await declined
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    expect(reasons).toEqual(['budget', 'retryAfter']);
  });

  it('bulkhead and rateLimit: `rejected`', async () => {
    const b = bulkhead({ maxConcurrent: 1 });
    const rejected: unknown[] = [];
    b.on('rejected', (e) => rejected.push(e));
    const hold = b.execute(() => new Promise<void>((r) => setImmediate(r)));
    await expect(b.execute(() => 1)).rejects.toMatchObject({ code: 'BW_BULKHEAD_FULL' });
    await hold;
    expect(rejected).toEqual([{ maxConcurrent: 1, maxQueue: 0 }]);

    const clock = new ManualClock();
    const rl = rateLimit({ perSecond: 1, clock });
    const limited: unknown[] = [];
    rl.on('rejected', (e) => limited.push(e));
    await rl.execute(() => 1);
    await expect(rl.execute(() => 1)).rejects.toMatchObject({ code: 'BW_RATE_LIMITED' });
    expect(limited).toEqual([{ retryAfterMs: 1000 }]);
  });

  it('fallback and cacheFallback: `fallback` with the error', async () => {
    const f = fallback(() => 'stale');
    const errors: unknown[] = [];
    f.on('fallback', (e) => errors.push(e.error));
    const boom = new Error('boom');
    await expect(
      f.execute(() => {
        throw boom;
      }),
    ).resolves.toBe('stale');
    expect(errors).toEqual([boom]);

    const clock = new ManualClock();
    const c = cacheFallback({ ttlMs: 1000, clock });
    const served: unknown[] = [];
    c.on('fallback', (e) => served.push(e));
    await c.execute(() => 'v1', { key: 'k' });
    clock.advance(10);
    await expect(
      c.execute(
        () => {
          throw boom;
        },
        { key: 'k' },
      ),
    ).resolves.toBe('v1');
    expect(served).toEqual([{ error: boom, key: 'k', ageMs: 10 }]);
  });

  it('hedge: `hedge` when the extra attempt starts and `winner`', async () => {
    const clock = new ManualClock();
    const h = hedge({ delayMs: 10, clock });
    const events: unknown[] = [];
    h.on('hedge', (e) => events.push(['hedge', e]));
    h.on('winner', (e) => events.push(['winner', e]));
    const resolvers: Array<(v: string) => void> = [];
    const call = h.execute(
      (ctx) =>
        new Promise<string>((r) => {
          resolvers[ctx.attempt] = r;
        }),
    );
    clock.advance(10);
    resolvers[1]!('second');
    await expect(call).resolves.toBe('second');
    expect(events).toEqual([
      ['hedge', { attempt: 1, hedge: 1, delayMs: 10 }],
      ['winner', { attempt: 1, hedge: 1, attempts: 2 }],
    ]);
  });

  it('events carry the call context through a pipeline, so listeners can tell calls apart', async () => {
    const clock = new ManualClock();
    const t = timeout(50, { clock });
    const r = retry({ maxAttempts: 2, backoff: constantBackoff(0), clock });
    const seen: Array<[string, unknown]> = [];
    t.on('timeout', (e) => seen.push(['timeout', e.context['id']]));
    r.on('retry', (e) => seen.push(['retry', e.context['id']]));
    const p = pipeline(r, t);
    const a = p.execute((ctx) => (ctx.attempt === 0 ? new Promise(() => {}) : 'a'), { context: { id: 'A' } });
    const b = p.execute(() => 'b', { context: { id: 'B' } });
    await flush();
    clock.advance(50);
    await flush();
    await expect(Promise.all([a, b])).resolves.toEqual(['a', 'b']);
    expect(seen).toEqual([
      ['timeout', 'A'],
      ['retry', 'A'],
    ]);
  });
});
