import { describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures } from '../breaker/index.js';
import { ManualClock } from '../clock.js';
import { BrokenCircuitError, ConfigError, NoHealthyEndpointError } from '../errors.js';
import { pipeline } from '../pipeline.js';
import { constantBackoff } from '../retry/backoff.js';
import { retry } from '../retry/retry.js';
import { loadBalancer } from './load-balancer.js';
import { seededRandom } from './random.js';
import { roundRobin } from './strategies/round-robin.js';
import type { EjectionEvent, Endpoint, RequestEvent } from './types.js';

const eps = (ids: string[], extra: Partial<Endpoint> = {}): Endpoint[] =>
  ids.map((id) => ({ id, url: `http://${id}`, ...extra }));
const fail = (): never => {
  throw new Error('down');
};
const reasonOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof NoHealthyEndpointError ? e.reason : `other: ${String(e)}`;
  }
  return undefined;
};

describe('loadBalancer options', () => {
  it.each([
    [{ endpoints: 'x' }, 'loadBalancer.endpoints', /expected an array/],
    [
      {
        endpoints: [
          { id: 'a', url: 'http://x.test' },
          { id: 'a', url: 'http://y.test' },
        ],
      },
      'loadBalancer.endpoints[1].id',
      /unique id, got duplicate "a"/,
    ],
    [
      { endpoints: [{ id: 'a', url: 'http://x.test', weight: 0 }] },
      'loadBalancer.endpoints[0].weight',
      /endpoint "a": expected a number > 0 \(default 1\), got 0/,
    ],
    [
      { endpoints: [{ id: 'a', url: 'http://x.test', maxConnections: 1.5 }] },
      'loadBalancer.endpoints[0].maxConnections',
      /integer/,
    ],
    [{ endpoints: [], healthCheck: { intervalMs: -5 } }, 'loadBalancer.healthCheck.intervalMs', /got -5/],
    [
      { endpoints: [], outlierDetection: { maxEjectionPercent: 150 } },
      'loadBalancer.outlierDetection.maxEjectionPercent',
      /between 0 and 100, got 150/,
    ],
    [{ endpoints: [], locality: { panicThreshold: 2 } }, 'loadBalancer.locality.panicThreshold', /between 0 and 1/],
    [{ endpoints: [], locality: { order: 'us' } }, 'loadBalancer.locality.order', /array of region names/],
    [{ endpoints: [], strategy: {} }, 'loadBalancer.strategy', /Strategy/],
    [{ endpoints: eps(['a']), breaker: { halfOpenAfterMs: -1 } }, 'loadBalancer.breaker.halfOpenAfterMs', /./],
    // Unknown keys (issue 12.10), top level and nested, with a did-you-mean.
    [
      { endpoints: [], healthCheck: { interval: 500 } },
      'loadBalancer.healthCheck.interval',
      /unknown option "interval"; did you mean "intervalMs"\?/,
    ],
    [{ endpoints: [], healthchecks: {} }, 'loadBalancer.healthchecks', /did you mean "healthCheck"\?/],
    [
      { endpoints: [], outlierDetection: { consecutiveFailure: 3 } },
      'loadBalancer.outlierDetection.consecutiveFailure',
      /did you mean "consecutiveFailures"\?/,
    ],
    [{ endpoints: [], locality: { locale: 'eu' } }, 'loadBalancer.locality.locale', /did you mean "local"\?/],
    [{ endpoints: [], queue: { maxPendin: 5 } }, 'loadBalancer.queue.maxPendin', /did you mean "maxPending"\?/],
    [
      { endpoints: [], breaker: { halfOpenAfter: 5 } },
      'loadBalancer.breaker.halfOpenAfter',
      /did you mean "halfOpenAfterMs"\?/,
    ],
    [
      { endpoints: [], breaker: { halfOpen: { maxProbe: 2 } } },
      'loadBalancer.breaker.halfOpen.maxProbe',
      /did you mean "maxProbes"\?/,
    ],
    [{ endpoints: [], breaker: { name: 'x' } }, 'loadBalancer.breaker.name', /names each breaker/],
    [
      { endpoints: [{ id: 'a', url: 'http://x.test', maxConnection: 3 }] },
      'loadBalancer.endpoints[0].maxConnection',
      /endpoint "a": unknown option "maxConnection"; did you mean "maxConnections"\?/,
    ],
    // Endpoint URLs must be absolute; the error names the endpoint and hides credentials.
    [
      { endpoints: [eps(['a'])[0], { id: 'b', url: 'x' }] },
      'loadBalancer.endpoints[1].url',
      /endpoint "b": expected an absolute URL like "http:\/\/10\.0\.0\.1:8080", got "x"/,
    ],
    [{ endpoints: [{ id: 'c', url: '/api' }] }, 'loadBalancer.endpoints[0].url', /endpoint "c": .*got "\/api"/],
    [
      { endpoints: [{ id: 'd', url: 'svc:secret@10.0.0.1:80' }] },
      'loadBalancer.endpoints[0].url',
      /^(?!.*secret).*endpoint "d"/,
    ],
    [
      { endpoints: [{ id: 'w', url: 'http://x.test', weight: -1 }] },
      'loadBalancer.endpoints[0].weight',
      /expected a number > 0/,
    ],
    // locality.local must be a region some endpoint has.
    [
      { endpoints: [{ id: 'a', url: 'http://x.test', region: 'us-east' }], locality: { local: 'us-eats' } },
      'loadBalancer.locality.local',
      /expected the region of at least one endpoint \("us-east"\), got "us-eats"/,
    ],
  ])('rejects %j', (o, path, message) => {
    let err: unknown;
    try {
      loadBalancer(o as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe(path);
    expect((err as ConfigError).message).toMatch(message);
  });
});

describe('NoHealthyEndpointError reasons', () => {
  it('empty, draining (saturation is no reason: see queue.test.ts)', async () => {
    expect(reasonOf(() => loadBalancer({ endpoints: [] }).pick())).toBe('empty');
    const lb = loadBalancer({ endpoints: eps(['a'], { maxConnections: 1 }), queue: { maxPending: 0 } });
    let release!: () => void;
    const held = lb.execute(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    await expect(lb.execute(() => 1)).rejects.toMatchObject({ code: 'BW_SATURATED', reason: 'queue full' });
    const drained = lb.drain();
    expect(reasonOf(() => lb.pick())).toBe('draining');
    let settled = false;
    void drained.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    release();
    await held;
    await drained;
    expect(settled).toBe(true);
  });
  it('drain resolves after timeoutMs when calls hang', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: eps(['a']), clock });
    void lb.execute(() => new Promise<void>(() => undefined));
    const d = lb.drain({ timeoutMs: 1000 });
    clock.advance(1000);
    await d;
  });
  it('unhealthy when every endpoint is ejected and panic is off; open when every breaker is open', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: eps(['a', 'b']),
      clock,
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
      locality: { panicThreshold: 0 },
    });
    await lb.execute(fail).catch(() => undefined);
    await lb.execute(fail).catch(() => undefined);
    expect(reasonOf(() => lb.pick())).toBe('unhealthy');
    const lb2 = loadBalancer({
      endpoints: eps(['a', 'b']),
      clock,
      strategy: roundRobin(),
      breaker: { trip: consecutiveFailures(1), halfOpenAfterMs: 5000 },
    });
    await lb2.execute(fail).catch(() => undefined);
    await lb2.execute(fail).catch(() => undefined);
    expect(reasonOf(() => lb2.pick())).toBe('open');
    await expect(lb2.execute(() => 1)).rejects.toMatchObject({ reason: 'open' });
  });
});

describe('outlier detection', () => {
  it('ejects after consecutive failures for base × count, respects maxEjectionPercent, emits events', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: eps(['a', 'b', 'c', 'd']),
      strategy: roundRobin(),
      clock,
      outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 1000, maxEjectionPercent: 25 },
    });
    const events: EjectionEvent[] = [];
    lb.on('ejection', (e) => events.push(e));
    const bad = new Set(['a', 'b']);
    const call = (): Promise<unknown> => lb.execute((ep) => (bad.has(ep.id) ? fail() : 'ok')).catch(() => 'err');
    for (let i = 0; i < 8; i++) await call();
    // 25% of 4 = 1: only one ejection allowed at once.
    expect(events).toEqual([expect.objectContaining({ endpoint: 'a', ejected: true, count: 1, untilMs: 1000 })]);
    expect(lb.endpoints().map((e) => e.ejected)).toEqual([true, false, false, false]);
    for (let i = 0; i < 30; i++) expect(lb.pick().id).not.toBe('a');
    clock.advance(1000);
    expect(events[1]).toMatchObject({ endpoint: 'a', ejected: false });
    bad.delete('b');
    for (let i = 0; i < 8; i++) await call();
    // Second ejection soon after the first lasts twice as long.
    expect(events[2]).toMatchObject({ endpoint: 'a', ejected: true, count: 2, untilMs: 1000 + 2000 });
    await lb.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('backups and panic', () => {
  it('backups get traffic only when no primary is healthy', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [...eps(['p1', 'p2']), { id: 'bk', url: 'http://x.test', backup: true }],
      clock,
      strategy: roundRobin(),
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
    });
    expect(new Set(Array.from({ length: 10 }, () => lb.pick().id))).toEqual(new Set(['p1', 'p2']));
    await lb.execute((ep) => (ep.id === 'bk' ? 1 : fail())).catch(() => undefined);
    expect(lb.pick().id).not.toBe('bk'); // one primary still healthy (50% is not below the panic threshold)
    await lb.execute((ep) => (ep.id === 'bk' ? 1 : fail())).catch(() => undefined);
    expect(Array.from({ length: 5 }, () => lb.pick().id)).toEqual(['bk', 'bk', 'bk', 'bk', 'bk']);
  });
  it('panic: below the threshold, ejected endpoints are used again; open breakers never', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: eps(['a', 'b', 'c', 'd']),
      clock,
      strategy: roundRobin(),
      locality: { panicThreshold: 0.5 },
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
      breaker: { trip: consecutiveFailures(1), halfOpenAfterMs: 60_000 },
      isFailure: (e) => (e as Error).message !== 'soft',
    });
    // a: breaker opens (and ejected); b, c: ejected only (their failures don't count for the breaker).
    const breakerFailure = new Set(['a']);
    for (const id of ['a', 'b', 'c']) {
      await lb
        .execute((ep) => {
          throw new Error(breakerFailure.has(ep.id) ? 'hard' : 'soft');
        })
        .catch(() => undefined);
      void id;
    }
    const seen = new Set(Array.from({ length: 12 }, () => lb.pick().id));
    expect(seen.has('a')).toBe(false);
    expect(seen).toEqual(new Set(['b', 'c', 'd']));
  });
});

describe('breakers per endpoint', () => {
  it('an open endpoint breaker removes it from picks until its open period ends', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      name: 'api',
      endpoints: eps(['a', 'b', 'c']),
      clock,
      strategy: roundRobin(),
      breaker: { trip: consecutiveFailures(2), halfOpenAfterMs: 10_000 },
    });
    for (let i = 0; i < 6; i++) await lb.execute((ep) => (ep.id === 'a' ? fail() : 1)).catch(() => undefined);
    await Promise.resolve();
    expect(Array.from({ length: 6 }, () => lb.pick().id)).not.toContain('a');
    clock.advance(10_000);
    await Promise.resolve();
    const after = Array.from({ length: 6 }, () => lb.pick().id);
    expect(after).toContain('a');
    await lb.close();
  });
  it('uses createBreaker with the name `${balancer}/${id}` and re-picks when a breaker refuses', async () => {
    const names: string[] = [];
    const lb = loadBalancer({
      name: 'lb',
      endpoints: eps(['a', 'b']),
      strategy: roundRobin(),
      breaker: {},
      createBreaker: (o) => {
        names.push(o.name);
        const b = circuitBreaker(o);
        if (o.name === 'lb/a') b.isolate();
        return b;
      },
    });
    expect(names).toEqual(['lb/a', 'lb/b']);
    expect(Array.from({ length: 4 }, () => lb.pick().id)).toEqual(['b', 'b', 'b', 'b']);
    await expect(lb.execute((ep) => ep.id)).resolves.toBe('b');
  });
  it('a BrokenCircuitError from the function itself is not a refusal: no re-pick', async () => {
    const lb = loadBalancer({ endpoints: eps(['a', 'b']), strategy: roundRobin() });
    const seen: string[] = [];
    await expect(
      lb.execute((ep) => {
        seen.push(ep.id);
        throw new BrokenCircuitError('inner');
      }),
    ).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(seen).toEqual(['a']);
  });
});

describe('execute, events, asPolicy', () => {
  it('emits a request event with status and region; isResultFailure counts but returns the result', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: eps(['a'], { region: 'eu' }),
      clock,
      isResultFailure: (r) => (r as { status: number }).status >= 500,
      outlierDetection: { consecutiveFailures: 2 },
    });
    const events: RequestEvent[] = [];
    lb.on('request', (e) => events.push(e));
    const res = await lb.execute(() => {
      clock.advance(7);
      return { status: 503 };
    });
    expect(res).toEqual({ status: 503 });
    const err = Object.assign(new Error('x'), { response: { status: 502 } });
    await expect(
      lb.execute(() => {
        throw err;
      }),
    ).rejects.toBe(err);
    expect(events).toEqual([
      { endpoint: 'a', durationMs: 7, success: false, status: 503, region: 'eu' },
      { endpoint: 'a', durationMs: 0, success: false, status: 502, error: err, region: 'eu' },
    ]);
    expect(lb.endpoints()[0]).toMatchObject({ ejected: true, inFlight: 0 });
  });
  it('asPolicy sets ctx.endpoint and each retry attempt picks again', async () => {
    const lb = loadBalancer({ endpoints: eps(['a', 'b', 'c']), strategy: roundRobin() });
    const policy = pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(0) }), lb.asPolicy());
    const seen: string[] = [];
    const out = await policy.execute((ctx) => {
      seen.push(`${ctx.attempt}:${ctx.endpoint!.id}`);
      if (ctx.attempt < 2) throw new Error('retry me');
      return ctx.endpoint!.url;
    });
    expect(seen).toEqual(['0:a', '1:b', '2:c']);
    expect(out).toBe('http://c');
  });
  it('a caller abort does not count against the endpoint', async () => {
    const lb = loadBalancer({ endpoints: eps(['a']), outlierDetection: { consecutiveFailures: 1 } });
    const ac = new AbortController();
    const p = lb.execute(
      (_ep, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      {
        signal: ac.signal,
      },
    );
    ac.abort(new Error('user left'));
    await expect(p).rejects.toThrow('user left');
    await new Promise((r) => setTimeout(r, 0));
    expect(lb.endpoints()[0]).toMatchObject({ ejected: false, inFlight: 0 });
  });
});

describe('update()', () => {
  it('keeps in-flight, EWMA and ejection of unchanged ids; new ids start fresh; removed ids are dropped', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: eps(['a', 'b']),
      clock,
      strategy: roundRobin(),
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
    });
    let release!: () => void;
    const held = lb.execute(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    ); // a
    await lb
      .execute(() => {
        clock.advance(40);
        fail();
      })
      .catch(() => undefined); // b ejected
    lb.update([
      { id: 'a', url: 'http://a2', weight: 2 },
      { id: 'b', url: 'http://b' },
      { id: 'c', url: 'http://c' },
    ]);
    const view = Object.fromEntries(lb.endpoints().map((e) => [e.id, e]));
    expect(view.a).toMatchObject({ url: 'http://a2', weight: 2, inFlight: 1 });
    expect(view.b).toMatchObject({ ejected: true });
    expect(view.b!.ewmaMs).toBeCloseTo(40);
    expect(view.c).toMatchObject({ ejected: false, inFlight: 0, healthy: true });
    release();
    await held;
    lb.update(eps(['c']));
    expect(lb.endpoints().map((e) => e.id)).toEqual(['c']);
    expect(lb.pick().id).toBe('c');
    await lb.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('seeded randomness', () => {
  it('same seed, same picks', () => {
    const run = (): string[] => {
      const lb = loadBalancer({ endpoints: eps(['a', 'b', 'c', 'd']), random: seededRandom(42) });
      return Array.from({ length: 20 }, () => lb.pick().id);
    };
    expect(run()).toEqual(run());
  });
});
