import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { listenAbort, listenThroughFanout, unlistenAbort, unlistenThroughFanout } from '../kernel/abort-fanout.js';
import type { AttemptContext } from '../policy.js';
import { timeout } from '../timeout/timeout.js';
import { AttemptSignalLike } from './attempt-abort-hook.js';

type Op = { kind: 'listen'; fn: number } | { kind: 'unlisten'; fn: number } | { kind: 'abort' } | { kind: 'timeout' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('listen' as const), fn: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('unlisten' as const), fn: fc.integer({ min: 0, max: 3 }) }),
  fc.constant({ kind: 'abort' as const }),
  fc.constant({ kind: 'timeout' as const }),
);

/**
 * Runs one schedule of listen/unlisten and aborts (the caller's signal, or the timeout) on an
 * attempt's AttemptSignalLike, through `listen`/`unlisten`; returns which callbacks ran, in order.
 */
async function run(ops: Op[], listen: typeof listenAbort, unlisten: typeof unlistenAbort): Promise<string[]> {
  const clock = new ManualClock();
  const caller = new AbortController();
  const seen: string[] = [];
  let signal!: AttemptSignalLike;
  let ctx!: AttemptContext;
  const done = timeout(100, { clock })
    .execute(
      (c) => {
        ctx = c;
        signal = new AttemptSignalLike(c);
        return new Promise(() => undefined);
      },
      { signal: caller.signal },
    )
    .catch(() => undefined);
  const fns = [0, 1, 2, 3].map((i) => () => seen.push(`fn${i}:${String(signal.aborted)}`));
  for (const o of ops) {
    if (o.kind === 'listen') listen(signal as unknown as AbortSignal, fns[o.fn]!);
    else if (o.kind === 'unlisten') unlisten(signal as unknown as AbortSignal, fns[o.fn]!);
    else if (o.kind === 'abort') caller.abort(new Error('caller'));
    else clock.advance(100);
  }
  caller.abort(new Error('end')); // settles the call if the schedule did not
  await done;
  seen.push(`end:${String(signal.aborted)}:${String((ctx as { abortReason?: unknown }).abortReason instanceof Error)}`);
  return seen;
}

describe('AttemptSignalLike: listenAbort fast path (own listener list) vs the fan-out registry', () => {
  it('the same schedule calls the same callbacks in the same order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 24 }), async (ops) => {
        const fast = await run(ops, listenAbort, unlistenAbort);
        const plain = await run(ops, listenThroughFanout, unlistenThroughFanout);
        expect(fast).toEqual(plain);
      }),
      { numRuns: 300 },
    );
  });

  it('a listener added twice runs once, like an EventTarget', () => {
    const ac = new AbortController();
    const s = new AttemptSignalLike({ signal: ac.signal, attempt: 0, context: {} });
    let n = 0;
    const fn = (): void => {
      n++;
    };
    s.addEventListener('abort', fn);
    s.addEventListener('abort', fn);
    ac.abort();
    expect(n).toBe(1);
  });
});
