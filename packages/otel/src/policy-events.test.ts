import { bulkhead, constantBackoff, fallback, hedge, ManualClock, pipeline, retry, timeout } from '@breakwater/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, EVENT, instrument } from './index.js';
import { installGlobals, points, sdk } from '@breakwater/testkit/otel';

// Issue 13.4: otel maps the policies' own events instead of re-classifying errors.
beforeAll(installGlobals);
let t: ReturnType<typeof sdk>;
afterEach(async () => {
  await t.shutdown();
});
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

class UpstreamSlow extends Error {}

describe('instrument(policy) maps policy events', () => {
  it('a timeout the caller sees as its own error still counts as outcome "timeout" (policy said so)', async () => {
    t = sdk();
    const clock = new ManualClock();
    const policy = instrument(
      pipeline(
        fallback(() => {
          throw new UpstreamSlow('upstream slow');
        }),
        timeout(50, { clock }),
      ),
      { tracer: t.tracer, meter: t.meter },
    );
    const call = policy.execute(() => new Promise(() => {}));
    await flush();
    clock.advance(50);
    await expect(call).rejects.toBeInstanceOf(UpstreamSlow);
    const span = t.spans().find((s) => s.name === 'breakwater.call');
    expect(span?.attributes[ATTR.OUTCOME]).toBe('timeout');
    expect(span?.events.map((e) => e.name)).toEqual([EVENT.TIMEOUT, EVENT.FALLBACK, 'exception']);
    expect(span?.events[0]?.attributes).toMatchObject({ 'breakwater.timeoutMs': 50, 'breakwater.attempt': 0 });
    expect(points(await t.metrics(), 'breakwater.client.requests').map((p) => p.attributes[ATTR.OUTCOME])).toEqual([
      'timeout',
    ]);
  });

  it('a bulkhead rejection is "rejected"; retries, hedges and fallbacks become span events', async () => {
    t = sdk();
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1 });
    const policy = instrument(
      pipeline(
        fallback(() => 'fallback value'),
        retry({ maxAttempts: 2, backoff: constantBackoff(0), clock }),
        hedge({ delayMs: 10, clock }),
        b,
      ),
      { tracer: t.tracer, meter: t.meter },
    );
    const release: Array<() => void> = [];
    const held = policy.execute(
      () =>
        new Promise<string>((r) => {
          release.push(() => r('first'));
        }),
    );
    await flush();
    clock.advance(10); // hedge starts a second attempt: the bulkhead rejects it
    await flush();
    release[0]!();
    await expect(held).resolves.toBe('first');
    const span = t.spans().find((s) => s.name === 'breakwater.call');
    expect(span?.events.map((e) => e.name)).toEqual([EVENT.HEDGE, EVENT.REJECTED, EVENT.HEDGE_WINNER]);
    expect(span?.attributes[ATTR.OUTCOME]).toBe('success');

    // A call rejected outright by the bulkhead while another holds the slot, replaced by the fallback.
    const holder = b.execute(
      () =>
        new Promise<void>((r) => {
          release.push(r);
        }),
    );
    await expect(policy.execute(() => 'never')).resolves.toBe('fallback value');
    release[1]!();
    await holder;
    const second = t.spans().filter((s) => s.name === 'breakwater.call')[1];
    expect(second?.events.map((e) => e.name)).toEqual([EVENT.REJECTED, EVENT.FALLBACK]);
    expect(second?.attributes[ATTR.FALLBACK]).toBe(true);
  });

  it('instrumenting the same policy again adds no listeners (one subscription per policy)', async () => {
    t = sdk();
    const r = retry({ maxAttempts: 2, backoff: constantBackoff(0) });
    let listeners = 0;
    const on = r.on.bind(r);
    (r as { on: unknown }).on = (event: 'retry', fn: () => void) => {
      listeners++;
      return on(event, fn);
    };
    for (let i = 0; i < 50; i++) instrument(r, { tracer: t.tracer, meter: t.meter });
    expect(listeners).toBeLessThanOrEqual(7);
    const p = instrument(r, { tracer: t.tracer, meter: t.meter });
    await p.execute((ctx) => {
      if (ctx.attempt === 0) throw new Error('once');
      return 1;
    });
    expect(
      t
        .spans()
        .find((s) => s.name === 'breakwater.call')
        ?.events.map((e) => e.name),
    ).toEqual([EVENT.RETRY]);
  });

  it('events of concurrent calls go to their own spans (matched by the call context)', async () => {
    t = sdk();
    const clock = new ManualClock();
    const policy = instrument(pipeline(retry({ maxAttempts: 2, backoff: constantBackoff(0), clock })), {
      tracer: t.tracer,
      meter: t.meter,
    });
    const a = policy.execute((ctx) => {
      if (ctx.attempt === 0) throw new Error('a fails once');
      return 'a';
    });
    const b = policy.execute(() => 'b');
    await expect(Promise.all([a, b])).resolves.toEqual(['a', 'b']);
    const spans = t.spans().filter((s) => s.name === 'breakwater.call');
    expect(spans.map((s) => s.events.map((e) => e.name)).sort()).toEqual([[], [EVENT.RETRY]]);
  });
});
