import { describe, expect, it } from 'vitest';
import { consecutiveFailures } from '../breaker/index.js';
import { ManualClock } from '../clock.js';
import { loadBalancer } from './load-balancer.js';
import { roundRobin } from './strategies/round-robin.js';
import type { BreakerEvent, Endpoint, HealthEvent, RequestEvent } from './types.js';

const eps = (ids: string[]): Endpoint[] => ids.map((id) => ({ id, url: `http://${id}.test` }));
const fail = (): never => {
  throw new Error('down');
};
const emfile = (): never => {
  throw Object.assign(new Error('connect EMFILE 10.0.0.1:80'), { code: 'EMFILE' });
};

/** Advances `clock` by `ms` in 10 ms steps, letting promise reactions run between steps. */
async function step(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    clock.advance(10);
    await new Promise((r) => setImmediate(r));
  }
}

/** A call on `lb` that takes `ms` of ManualClock time and then succeeds. */
async function timed(lb: ReturnType<typeof loadBalancer>, clock: ManualClock, ms: number): Promise<void> {
  const p = lb.execute(() => new Promise<void>((r) => clock.setTimeout(r, ms)));
  clock.advance(ms);
  await p;
}

describe('endpoints(): per-endpoint breaker state and the breaker event (16.8)', () => {
  it('shows each breaker state and emits breaker { endpoint, from, to, reason, at, remote }; unsubscribe stops it', async () => {
    const clock = new ManualClock(1_000);
    const lb = loadBalancer({
      name: 'api',
      endpoints: eps(['a', 'b']),
      clock,
      strategy: roundRobin(),
      breaker: { trip: consecutiveFailures(1), halfOpenAfterMs: 5_000 },
    });
    expect(lb.endpoints().map((e) => e.breaker)).toEqual(['closed', 'closed']);
    const seen: BreakerEvent[] = [];
    const off = lb.on('breaker', (e) => seen.push(e));
    await lb.execute((ep) => (ep.id === 'a' ? fail() : 1)).catch(() => undefined);
    expect(lb.endpoints().map((e) => [e.id, e.breaker, e.healthy])).toEqual([
      ['a', 'open', true],
      ['b', 'closed', true],
    ]);
    expect(seen).toEqual([
      { endpoint: 'a', from: 'closed', to: 'open', reason: expect.any(String), at: 1_000, remote: false },
    ]);
    off();
    await lb.execute(fail).catch(() => undefined); // b opens; nobody listens any more
    expect(lb.endpoints().map((e) => e.breaker)).toEqual(['open', 'open']);
    expect(seen).toHaveLength(1);
    await lb.close();
  });

  it('reading endpoints() makes no transition and emits nothing: a due breaker reads half-open until a call is admitted (12.5)', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: eps(['a']),
      clock,
      breaker: { trip: consecutiveFailures(1), halfOpenAfterMs: 5_000 },
    });
    await lb.execute(fail).catch(() => undefined);
    const seen: BreakerEvent[] = [];
    lb.on('breaker', (e) => seen.push(e));
    clock.advance(5_000);
    for (let i = 0; i < 3; i++) expect(lb.endpoints()[0]!.breaker).toBe('half-open');
    await Promise.resolve();
    expect(seen).toEqual([]);
    await lb.execute(() => 'probe');
    expect(seen.map((e) => `${e.from}->${e.to}`)).toEqual(['open->half-open', 'half-open->closed']);
    expect(lb.endpoints()[0]!.breaker).toBe('closed');
    await lb.close();
  });

  it('breaker is undefined without breaker options; on() rejects unknown events', () => {
    const lb = loadBalancer({ endpoints: eps(['a']) });
    expect(lb.endpoints()[0]!.breaker).toBeUndefined();
    expect(() => lb.on('breakers' as never, () => undefined)).toThrow(/'breaker'/);
  });
});

describe('latency a dashboard can show (16.8)', () => {
  it('latencyMs follows the typical success latency; ewmaMs is the peak estimate p2cEwma uses', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: eps(['a']), clock });
    expect(lb.endpoints()[0]!.latencyMs).toBeUndefined();
    await timed(lb, clock, 130); // a cold first call: connection set-up, JIT
    for (let i = 0; i < 100; i++) await timed(lb, clock, 8); // then a server answering in 8 ms, for 0.8 s
    const view = lb.endpoints()[0]!;
    // Why the dashboard read ~130 ms: the peak EWMA adopts a slower sample at once and lets it go only
    // with time (decayMs 10 s), however many fast answers follow.
    expect(view.ewmaMs).toBeGreaterThan(100);
    expect(view.latencyMs).toBeGreaterThan(7.9);
    expect(view.latencyMs).toBeLessThan(8.5);
    // Failures do not enter it.
    const failed = lb
      .execute(() => new Promise((_r, reject) => clock.setTimeout(() => reject(new Error('slow failure')), 2_000)))
      .catch(() => undefined);
    clock.advance(2_000);
    await failed;
    expect(lb.endpoints()[0]!.latencyMs).toBeLessThan(8.5);
  });
});

describe('local resource errors are neutral for outlier detection, health and breakers (12.12)', () => {
  it('EMFILE from the call: no ejection, breaker stays closed, no latency or error-rate sample; request event says local', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: eps(['a', 'b']),
      clock,
      strategy: roundRobin(),
      isFailure: () => true,
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
      breaker: { trip: consecutiveFailures(1) },
    });
    const events: RequestEvent[] = [];
    lb.on('request', (e) => events.push(e));
    for (let i = 0; i < 10; i++) await lb.execute(emfile).catch(() => undefined);
    expect(lb.endpoints().map((e) => [e.ejected, e.breaker, e.ewmaMs, e.latencyMs])).toEqual([
      [false, 'closed', 0, undefined],
      [false, 'closed', 0, undefined],
    ]);
    expect(events[0]).toMatchObject({ success: false, local: true });
    // An upstream failure still counts.
    await lb.execute(fail).catch(() => undefined);
    expect(lb.endpoints().filter((e) => e.ejected)).toHaveLength(1);
    await lb.close();
  });

  it('a health check failing with a local resource error gives no verdict', async () => {
    const clock = new ManualClock();
    let code = 'EMFILE';
    const lb = loadBalancer({
      endpoints: eps(['a']),
      clock,
      random: () => 0,
      healthCheck: {
        intervalMs: 100,
        unhealthyThreshold: 1,
        jitterMs: 0,
        check: () => Promise.reject(Object.assign(new Error('check'), { code })),
      },
    });
    const health: HealthEvent[] = [];
    lb.on('health', (e) => health.push(e));
    await step(clock, 500);
    expect(health).toEqual([]);
    expect(lb.endpoints()[0]!.healthy).toBe(true);
    code = 'ECONNREFUSED';
    await step(clock, 200);
    expect(health.map((e) => e.healthy)).toEqual([false]);
    await lb.close();
  });
});
