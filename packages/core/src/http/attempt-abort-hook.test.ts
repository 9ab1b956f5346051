import { describe, expect, it, onTestFinished } from 'vitest';
import { ManualClock } from '../clock.js';
import { TimeoutError } from '../errors.js';
import { timeout } from '../timeout/timeout.js';
import type { AttemptContext } from '../policy.js';
import { AttemptSignalLike, attemptAbortState, onAttemptAbort } from './attempt-abort-hook.js';

describe('onAttemptAbort / AttemptSignalLike', () => {
  it("a timeout's abort reaches the callback and the signal-like, and no AbortSignal is created", async () => {
    // Counts AbortControllers made while the test runs (the attempt's ctx.signal is created lazily).
    const Original = globalThis.AbortController;
    let controllers = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        controllers++;
      }
    };
    onTestFinished(() => {
      globalThis.AbortController = Original;
    });
    const clock = new ManualClock();
    const seen: string[] = [];
    let ctx!: AttemptContext;
    const p = timeout(100, { clock }).execute((c) => {
      ctx = c;
      onAttemptAbort(c, () => seen.push('hook'));
      const s = new AttemptSignalLike(c);
      s.addEventListener('abort', (e) => seen.push(`signal-like ${e.type} ${String(s.aborted)}`));
      return new Promise(() => undefined);
    });
    expect(controllers).toBe(0);
    clock.advance(100);
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    expect(seen).toEqual(['hook', 'signal-like abort true']);
    expect(attemptAbortState(ctx).reason).toBeInstanceOf(TimeoutError);
    expect(controllers).toBe(0);
  });

  it("the caller's signal reaches the hook; unsubscribing stops it", async () => {
    const c = new AbortController();
    const seen: string[] = [];
    let off!: () => void;
    const p = timeout(10_000).execute(
      (ctx) => {
        onAttemptAbort(ctx, () => seen.push('a'));
        off = onAttemptAbort(ctx, () => seen.push('b'));
        return new Promise(() => undefined);
      },
      { signal: c.signal },
    );
    off();
    c.abort(new Error('bye'));
    await expect(p).rejects.toThrow('bye');
    expect(seen[0]).toBe('a');
    expect(seen).not.toContain('b');
  });

  it('a foreign context (no hook) falls back to its signal', () => {
    const ac = new AbortController();
    const seen: unknown[] = [];
    onAttemptAbort({ signal: ac.signal, attempt: 0, context: {} }, () => seen.push(ac.signal.reason));
    ac.abort('r');
    expect(seen).toEqual(['r']);
  });
});
