import {
  BrokenCircuitError,
  ConfigError,
  ManualClock,
  circuitBreaker,
  consecutiveFailures,
  constantBackoff,
  hedge,
  pipeline,
  retry,
} from '@breakwater/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createFetch, type ResilientFetch } from './index.js';

interface Call {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
  signal: AbortSignal | undefined;
}

/** A scripted fetch: answers with the given statuses in order (a number, or an Error to reject with). */
function scriptedFetch(script: Array<number | Error>): { fetch: typeof fetch; calls: Call[]; cancelled: number[] } {
  const calls: Call[] = [];
  const cancelled: number[] = [];
  let i = 0;
  const fake = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : undefined;
    const body =
      init?.body !== undefined && init.body !== null
        ? await new Response(init.body).text()
        : req !== undefined
          ? await req.text()
          : undefined;
    calls.push({
      url: req?.url ?? String(input),
      method: init?.method ?? req?.method ?? 'GET',
      headers: new Headers(init?.headers ?? req?.headers),
      body,
      signal: init?.signal ?? undefined,
    });
    const step = script[Math.min(i++, script.length - 1)]!;
    if (step instanceof Error) throw step;
    const n = calls.length;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(`attempt ${n}`));
        c.close();
      },
      cancel() {
        cancelled.push(n);
      },
    });
    return new Response(stream, { status: step });
  };
  return { fetch: fake as typeof fetch, calls, cancelled };
}

const fastRetry = (n = 3) => retry({ maxAttempts: n, backoff: constantBackoff(0) });

describe('createFetch (scripted transport)', () => {
  it("keeps fetch's type", () => {
    const f = createFetch();
    expectTypeOf(f).toMatchTypeOf<typeof fetch>();
    expectTypeOf(f).toEqualTypeOf<ResilientFetch>();
    expectTypeOf<ReturnType<typeof f>>().toEqualTypeOf<Promise<Response>>();
    // tRPC's narrower fetch: (url: string, init?: RequestInit) => Promise<ResponseEsque>
    expectTypeOf(f).toMatchTypeOf<
      (url: string, init?: RequestInit) => Promise<{ status: number; json(): Promise<unknown> }>
    >();
  });

  it('retries 5xx and resolves with the success, cancelling discarded bodies', async () => {
    const t = scriptedFetch([503, 503, 200]);
    const f = createFetch({ policy: fastRetry(), fetch: t.fetch });
    const res = await f('http://api.test/x');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('attempt 3');
    expect(t.calls).toHaveLength(3);
    expect(t.cancelled.sort()).toEqual([1, 2]);
  });

  it('resolves with the last 503 when retries run out, its body intact', async () => {
    const t = scriptedFetch([503]);
    const f = createFetch({ policy: fastRetry(), fetch: t.fetch });
    const res = await f('http://api.test/x');
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('attempt 3');
    expect(t.cancelled.sort()).toEqual([1, 2]);
  });

  it('rejects with the last network error', async () => {
    const errors = [new TypeError('fetch failed 1'), new TypeError('fetch failed 2')];
    const t = scriptedFetch(errors);
    const f = createFetch({ policy: fastRetry(2), fetch: t.fetch });
    await expect(f('http://api.test/x')).rejects.toBe(errors[1]);
  });

  it('does not retry POST without Idempotency-Key, does with it (body replayed, also from a stream)', async () => {
    let t = scriptedFetch([503, 200]);
    let f = createFetch({ policy: fastRetry(), fetch: t.fetch });
    expect((await f('http://api.test/x', { method: 'POST', body: 'payload' })).status).toBe(503);
    expect(t.calls).toHaveLength(1);

    t = scriptedFetch([503, 200]);
    f = createFetch({ policy: fastRetry(), fetch: t.fetch });
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('streamed'));
        c.close();
      },
    });
    const res = await f('http://api.test/x', {
      method: 'POST',
      body: stream,
      headers: { 'Idempotency-Key': 'k-1' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(t.calls.map((c) => c.body)).toEqual(['streamed', 'streamed']);
    expect(t.calls.map((c) => c.headers.get('idempotency-key'))).toEqual(['k-1', 'k-1']);

    t = scriptedFetch([503, 200]);
    f = createFetch({ policy: fastRetry(), fetch: t.fetch, retryNonIdempotent: true });
    expect((await f('http://api.test/x', { method: 'PATCH', body: 'p' })).status).toBe(200);
    expect(t.calls).toHaveLength(2);
  });

  it('replays Request inputs with bodies', async () => {
    const t = scriptedFetch([502, 200]);
    const f = createFetch({ policy: fastRetry(), fetch: t.fetch });
    const res = await f(new Request('http://api.test/r', { method: 'PUT', body: 'put-body', headers: { 'x-a': '1' } }));
    expect(res.status).toBe(200);
    expect(t.calls.map((c) => [c.method, c.body, c.headers.get('x-a')])).toEqual([
      ['PUT', 'put-body', '1'],
      ['PUT', 'put-body', '1'],
    ]);
  });

  it('4xx passes through and does not count against the breaker', async () => {
    const t = scriptedFetch([404]);
    const breaker = circuitBreaker({ name: 'f404', trip: consecutiveFailures(1) });
    const f = createFetch({ policy: pipeline(fastRetry(), breaker), fetch: t.fetch });
    for (let i = 0; i < 3; i++) expect((await f('http://api.test/missing')).status).toBe(404);
    expect(t.calls).toHaveLength(3);
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics().failures).toBe(0);
    breaker.dispose();
  });

  it('an open breaker rejects with BrokenCircuitError without calling fetch', async () => {
    const t = scriptedFetch([500]);
    const breaker = circuitBreaker({ name: 'f500', trip: consecutiveFailures(2) });
    const f = createFetch({ policy: breaker, fetch: t.fetch });
    expect((await f('http://api.test/a')).status).toBe(500);
    expect((await f('http://api.test/a')).status).toBe(500);
    await expect(f('http://api.test/a')).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(t.calls).toHaveLength(2);
    breaker.dispose();
  });

  it('honours a custom isFailure', async () => {
    const t = scriptedFetch([404, 200]);
    const f = createFetch({
      policy: fastRetry(),
      fetch: t.fetch,
      isFailure: (r) => r instanceof Response && r.status === 404,
    });
    expect((await f('http://api.test/a')).status).toBe(200);
  });

  it("passes the caller's abort through and never retries after it", async () => {
    const ac = new AbortController();
    const t = scriptedFetch([503]);
    const f = createFetch({ policy: retry({ maxAttempts: 5, backoff: constantBackoff(10_000) }), fetch: t.fetch });
    const p = f('http://api.test/a', { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 5));
    ac.abort(new Error('user gave up'));
    await expect(p).rejects.toThrow('user gave up');
    expect(t.calls).toHaveLength(1);
  });

  it('injects trace headers through the propagate hook on every attempt', async () => {
    const t = scriptedFetch([503, 200]);
    let n = 0;
    const f = createFetch({
      policy: fastRetry(),
      fetch: t.fetch,
      propagate: (h) => {
        h.traceparent = `tp-${++n}`;
      },
    });
    await f('http://api.test/a', { headers: { 'x-keep': 'y' } });
    expect(t.calls.map((c) => [c.headers.get('traceparent'), c.headers.get('x-keep')])).toEqual([
      ['tp-1', 'y'],
      ['tp-2', 'y'],
    ]);
  });

  it('rejects relative URLs without a balancer like fetch does, without leaking credentials', async () => {
    const f = createFetch({ fetch: scriptedFetch([200]).fetch });
    await expect(f('/relative')).rejects.toBeInstanceOf(TypeError);
  });

  it('hedges GETs: the loser is aborted, the winner returned; a POST is never hedged twice', async () => {
    const clock = new ManualClock();
    const signals: AbortSignal[] = [];
    const resolvers: Array<(r: Response) => void> = [];
    const fake = ((_i: RequestInfo | URL, init?: RequestInit) => {
      signals.push(init!.signal!);
      return new Promise<Response>((resolve, reject) => {
        resolvers.push(resolve);
        init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason));
      });
    }) as typeof fetch;
    const f = createFetch({ policy: hedge({ delayMs: 10, clock }), fetch: fake });
    const p = f('http://api.test/a');
    await new Promise((r) => setTimeout(r, 0));
    clock.advance(10);
    await new Promise((r) => setTimeout(r, 0));
    expect(signals).toHaveLength(2);
    resolvers[1]!(new Response('second', { status: 200 }));
    const res = await p;
    expect(await res.text()).toBe('second');
    expect(signals[0]!.aborted).toBe(true);

    const post = f('http://api.test/a', { method: 'POST', body: 'x' });
    await new Promise((r) => setTimeout(r, 0));
    clock.advance(10);
    await new Promise((r) => setTimeout(r, 0));
    expect(signals).toHaveLength(3);
    resolvers[2]!(new Response('posted', { status: 201 }));
    expect((await post).status).toBe(201);
  });

  it('validates its options', () => {
    expect(() => createFetch({ fetch: 'nope' as unknown as typeof fetch })).toThrow(ConfigError);
    expect(() => createFetch({ pooling: { connections: 0 } })).toThrow(/createFetch.pooling.connections/);
    expect(() => createFetch({ policy: {} as never })).toThrow(/createFetch.policy/);
  });
});
