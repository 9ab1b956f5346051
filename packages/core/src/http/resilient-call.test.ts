import { describe, expect, it } from 'vitest';
import type { Endpoint, LoadBalancer } from '../balancing/types.js';
import { BrokenCircuitError } from '../errors.js';
import type { AttemptContext, ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { isNonRetryable } from '../kernel/non-retryable.js';
import { resilientCall } from './resilient-call.js';

/** A tiny retry loop standing in for core's retry(): honours the non-retryable mark, records what it saw. */
function recordingRetry(
  maxAttempts: number,
  respectMark = true,
): Policy & { seen: Array<{ ok: boolean; error?: unknown }> } {
  const seen: Array<{ ok: boolean; error?: unknown }> = [];
  return {
    seen,
    async execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        const ctx: AttemptContext = {
          signal: opts?.signal ?? new AbortController().signal,
          attempt,
          context: opts?.context ?? {},
        };
        try {
          const v = await fn(ctx);
          seen.push({ ok: true });
          return v;
        } catch (e) {
          seen.push({ ok: false, error: e });
          if (attempt + 1 >= maxAttempts || (respectMark && isNonRetryable(e))) throw e;
        }
      }
    },
  };
}

const res = (status: number): Response => new Response(`body ${status}`, { status });

describe('resilientCall', () => {
  it('retries failure statuses and hands back the last response, discarding the others', async () => {
    const policy = recordingRetry(3);
    const discarded: Response[] = [];
    const sent: number[] = [];
    const r = await resilientCall<Response>({
      policy,
      retryable: true,
      isFailure: (x) => x instanceof Response && x.status >= 500,
      send: async (_e, ctx) => {
        sent.push(ctx.attempt);
        return res(503);
      },
      discard: (x) => {
        discarded.push(x);
      },
    });
    expect(r.status).toBe(503);
    expect(await r.text()).toBe('body 503');
    expect(sent).toEqual([0, 1, 2]);
    expect(discarded).toHaveLength(2);
    expect(discarded).not.toContain(r);
    expect(policy.seen.map((s) => s.ok)).toEqual([false, false, false]);
  });

  it("`after` settles in the call's own job: the last failure response and errors reach it, its result is the outcome", async () => {
    const seen: string[] = [];
    const after = {
      resolved: (r: Response): string => {
        seen.push(`resolved ${r.status}`);
        return `got ${r.status}`;
      },
      rejected: (e: unknown): string => {
        seen.push(`rejected ${(e as Error).message}`);
        return 'recovered';
      },
    };
    const isFailure = (x: unknown): boolean => !(x instanceof Response) || x.status >= 500;
    const lastResponse = await resilientCall<Response, string>({
      policy: recordingRetry(2),
      retryable: true,
      isFailure,
      send: async () => res(503),
      after,
    });
    const transportError = await resilientCall<Response, string>({
      policy: recordingRetry(2),
      retryable: true,
      isFailure,
      send: async () => {
        throw new Error('reset');
      },
      after,
    });
    const ok = await resilientCall<Response, string>({ retryable: true, isFailure, send: async () => res(200), after });
    expect([lastResponse, transportError, ok]).toEqual(['got 503', 'recovered', 'got 200']);
    expect(seen).toEqual(['resolved 503', 'rejected reset', 'resolved 200']);
  });

  it('returns the first success after failures', async () => {
    let n = 0;
    const r = await resilientCall<Response>({
      policy: recordingRetry(3),
      retryable: true,
      isFailure: (x) => x instanceof Response && x.status >= 500,
      send: async () => res(n++ === 0 ? 503 : 200),
    });
    expect(r.status).toBe(200);
  });

  it('passes non-failure errors through without the policy seeing a failure', async () => {
    const policy = recordingRetry(3);
    const notFound = Object.assign(new Error('404'), { response: { status: 404 } });
    await expect(
      resilientCall({ policy, retryable: true, isFailure: () => false, send: () => Promise.reject(notFound) }),
    ).rejects.toBe(notFound);
    expect(policy.seen).toEqual([{ ok: true }]);
  });

  it('rethrows the last transport error when retries run out and annotates Retry-After', async () => {
    const errors = [0, 1].map((i) =>
      Object.assign(new Error(`e${i}`), { response: { status: 503, headers: { 'retry-after': '2' } } }),
    );
    let i = 0;
    const err = await resilientCall({
      policy: recordingRetry(2),
      retryable: true,
      isFailure: () => true,
      send: () => Promise.reject(errors[i++]),
    }).catch((e: unknown) => e);
    expect(err).toBe(errors[1]);
    expect((err as { retryAfterMs?: number }).retryAfterMs).toBe(2000);
    expect(Object.keys(err as object)).not.toContain('retryAfterMs');
  });

  it('sends a non-retryable request once, even under a policy that ignores the mark', async () => {
    const policy = recordingRetry(3, false);
    let sends = 0;
    const boom = new Error('reset');
    await expect(
      resilientCall({
        policy,
        retryable: false,
        isFailure: () => true,
        send: () => {
          sends++;
          return Promise.reject(boom);
        },
      }),
    ).rejects.toBe(boom);
    expect(sends).toBe(1);
    expect(isNonRetryable(boom)).toBe(true);
  });

  it('lets policy rejections through untouched', async () => {
    const open = new BrokenCircuitError('svc');
    const policy: Policy = { execute: () => Promise.reject(open) };
    await expect(
      resilientCall({ policy, retryable: true, isFailure: () => true, send: () => Promise.resolve(1) }),
    ).rejects.toBe(open);
  });

  it('routes attempts through the balancer with the sticky key', async () => {
    const eps: Endpoint[] = [
      { id: 'a', url: 'http://a' },
      { id: 'b', url: 'http://b' },
    ];
    let turn = 0;
    const keys: Array<string | undefined> = [];
    const balancer = {
      execute<T>(fn: (e: Endpoint, c: AttemptContext) => T | PromiseLike<T>, o?: ExecuteOptions) {
        keys.push(o?.key);
        return Promise.resolve(fn(eps[turn++ % 2]!, { signal: o!.signal!, attempt: 0, context: {} }));
      },
    } as unknown as LoadBalancer;
    const seen: string[] = [];
    const r = await resilientCall<string>({
      policy: recordingRetry(3),
      balancer,
      retryable: true,
      key: 'user-1',
      isFailure: (x) => x === 'fail',
      send: async (e) => {
        seen.push(e!.id);
        return seen.length === 1 ? 'fail' : 'ok';
      },
    });
    expect(r).toBe('ok');
    expect(seen).toEqual(['a', 'b']);
    expect(keys).toEqual(['user-1', 'user-1']);
  });

  it('works without a policy and honours an aborted caller signal', async () => {
    expect(await resilientCall({ retryable: true, isFailure: () => false, send: async () => 7 })).toBe(7);
    const ac = new AbortController();
    ac.abort(new Error('caller'));
    await expect(
      resilientCall({ retryable: true, isFailure: () => false, signal: ac.signal, send: async () => 7 }),
    ).rejects.toThrow('caller');
  });
});

describe('resilientCall: requests that never left', () => {
  it('resends a non-retryable request whose connection was refused, but not after it was delivered', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const script: unknown[] = [refused, reset, 'never'];
    let sends = 0;
    const err = await resilientCall({
      policy: recordingRetry(5, false),
      retryable: false,
      isFailure: () => true,
      send: () => {
        const s = script[sends++];
        return Promise.reject(s);
      },
    }).catch((e: unknown) => e);
    expect(err).toBe(reset);
    expect(sends).toBe(2);
    expect(isNonRetryable(refused)).toBe(false);
    expect(isNonRetryable(reset)).toBe(true);
  });
});
