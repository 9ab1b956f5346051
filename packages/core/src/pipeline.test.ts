import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { ConfigError, TimeoutError } from './errors.js';
import { pipeline } from './pipeline.js';
import type { AttemptContext, ExecuteOptions, Policy, PolicyFn } from './policy.js';
import { constantBackoff } from './retry/backoff.js';
import { retry } from './retry/retry.js';
import { timeout } from './timeout/timeout.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A foreign policy (only execute) that records entry/exit order. */
function tracer(name: string, log: string[]): Policy {
  return {
    async execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
      log.push(`${name}>`);
      try {
        return await fn({
          signal: opts?.signal ?? new AbortController().signal,
          attempt: 0,
          context: opts?.context ?? {},
        });
      } finally {
        log.push(`<${name}`);
      }
    },
  };
}

describe('pipeline', () => {
  it('runs the first policy outermost', async () => {
    const log: string[] = [];
    const p = pipeline(tracer('a', log), tracer('b', log), tracer('c', log));
    await expect(
      p.execute(() => {
        log.push('fn');
        return 1;
      }),
    ).resolves.toBe(1);
    expect(log).toEqual(['a>', 'b>', 'c>', 'fn', '<c', '<b', '<a']);
  });

  it('retry outside timeout gives each attempt its own deadline and increments ctx.attempt', async () => {
    const clock = new ManualClock();
    const attempts: number[] = [];
    const p = pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(0), clock }), timeout(100, { clock }));
    const result = p.execute((ctx) => {
      attempts.push(ctx.attempt);
      return ctx.attempt < 2 ? new Promise<string>(() => {}) : 'third';
    });
    clock.advance(100);
    await flush();
    clock.advance(100);
    await flush();
    await expect(result).resolves.toBe('third');
    expect(attempts).toEqual([0, 1, 2]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('timeout outside retry bounds the whole call', async () => {
    const clock = new ManualClock();
    let n = 0;
    const p = pipeline(timeout(250, { clock }), retry({ maxAttempts: 10, backoff: constantBackoff(100), clock }));
    const result = p.execute(() => {
      n++;
      throw new Error('x');
    });
    for (let i = 0; i < 3; i++) {
      await flush();
      clock.advance(100);
    }
    await expect(result).rejects.toBeInstanceOf(TimeoutError);
    await flush();
    expect(n).toBe(3);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('passes key, context and the caller signal to the function', async () => {
    const ac = new AbortController();
    let seen: AttemptContext | undefined;
    let seenKey: string | undefined;
    // The key is for policies (cacheFallback, balancers): one innermost sees the ExecuteOptions handed down.
    const keyProbe: Policy = {
      execute: (fn, opts) => {
        seenKey = opts?.key;
        return Promise.resolve(fn({ signal: ac.signal, attempt: 0, context: opts?.context ?? {} }));
      },
    };
    await pipeline(retry(), timeout(1000)).execute(
      (ctx) => {
        seen = ctx;
      },
      { key: 'k', context: { a: 1 }, signal: ac.signal },
    );
    expect(seen?.context).toEqual({ a: 1 });
    expect(seen?.signal.aborted).toBe(false);
    await pipeline(retry(), timeout(1000), keyProbe).execute(() => undefined, { key: 'k', signal: ac.signal });
    expect(seenKey).toBe('k');
  });

  it('flattens nested pipelines and keeps leaves apart when a pipeline runs inside a foreign policy', async () => {
    const log: string[] = [];
    const inner = pipeline(tracer('b', log), tracer('c', log));
    const outer = pipeline(tracer('a', log), inner, retry({ maxAttempts: 1 }));
    await expect(outer.execute(() => 'v')).resolves.toBe('v');
    expect(log).toEqual(['a>', 'b>', 'c>', '<c', '<b', '<a']);
    // A pipeline used as a stage through a wrapper that is not itself a pipeline.
    const wrapped: Policy = { execute: (fn, opts) => inner.execute(fn, opts) };
    log.length = 0;
    await expect(pipeline(retry({ maxAttempts: 1 }), wrapped, timeout(1000)).execute(() => 'w')).resolves.toBe('w');
    expect(log).toEqual(['b>', 'c>', '<c', '<b']);
  });

  it('an empty pipeline runs the function as is; one policy is returned unchanged', async () => {
    await expect(pipeline().execute(() => 3)).resolves.toBe(3);
    await expect(
      pipeline().execute(() => {
        throw new Error('e');
      }),
    ).rejects.toThrow('e');
    const r = retry();
    expect(pipeline(r)).toBe(r);
  });

  it('rejects things that are not policies', () => {
    expect(() => pipeline(retry(), 42 as never)).toThrow(ConfigError);
    expect(() => pipeline(retry(), 42 as never)).toThrow(
      'pipeline[1]: expected a policy (an object with execute()), got 42',
    );
  });
});
