import { describe, expect, it } from 'vitest';
import {
  bulkhead,
  circuitBreaker,
  consecutiveFailures,
  constantBackoff,
  fallback,
  loadBalancer,
  pipeline,
  retry,
  roundRobin,
  timeout,
  type Policy,
} from '@breakwater/core';
import { fakeUpstream } from './harness/fake-upstream.js';
import { activeResources, captureWarnings, settledHeapUsed, waitForResourceBaseline } from './harness/leak-probe.js';
import { recordFigures } from './harness/results.js';
import { round } from './harness/latency.js';

const TOTAL = Number(process.env['BW_REL_CALLS'] ?? 1_000_000);
const CONCURRENCY = 1000;
const SEED = Number(process.env['BW_REL_SEED'] ?? 20240901);

interface Rig {
  policy: Policy;
  close(): Promise<void>;
  upstream: ReturnType<typeof fakeUpstream>;
  breakerStates: Set<string>;
  /** Why calls ended in the fallback (error code or name → count). */
  fallbackReasons: Record<string, number>;
  breakerSummary(): string;
}

/**
 * The full stack from the issue: fallback → retry → breaker → bulkhead → timeout → balancer (with its
 * own per-endpoint breakers and outlier detection) → fake upstream with random failures and latencies.
 */
function buildRig(seed: number): Rig {
  const upstream = fakeUpstream({
    seed,
    failureRate: { a: 0.02, b: 0.05, c: 0.3, default: 0.05 },
    timerShare: 0.25,
    maxLatencyMs: 2,
  });
  const balancer = loadBalancer({
    name: 'rel-lb',
    endpoints: [
      { id: 'a', url: 'http://a.invalid' },
      { id: 'b', url: 'http://b.invalid' },
      { id: 'c', url: 'http://c.invalid' },
    ],
    strategy: roundRobin(),
    outlierDetection: { consecutiveFailures: 5, baseEjectionMs: 50, maxEjectionPercent: 34 },
    breaker: { trip: consecutiveFailures(10), halfOpenAfterMs: 20 },
  });
  const breaker = circuitBreaker({
    name: 'rel-pipeline',
    trip: consecutiveFailures(8),
    halfOpenAfterMs: 10,
    halfOpen: { maxProbes: 2 },
  });
  const breakerStates = new Set<string>();
  const transitions: string[] = [];
  const off = breaker.on('stateChange', (e) => {
    breakerStates.add(e.to);
    transitions.push(`${e.to}:${e.reason}`);
  });
  const fallbackReasons: Record<string, number> = {};
  const policy = pipeline(
    fallback((e: unknown) => {
      const reason = (e as { reason?: unknown }).reason;
      const k = `${(e as { code?: string }).code ?? (e instanceof Error ? e.name : typeof e)}${typeof reason === 'string' ? `:${reason}` : ''}`;
      fallbackReasons[k] = (fallbackReasons[k] ?? 0) + 1;
      return 'fallback';
    }),
    retry({ maxAttempts: 3, backoff: constantBackoff(0) }),
    breaker,
    bulkhead({ maxConcurrent: CONCURRENCY, maxQueue: CONCURRENCY }),
    timeout(1),
    balancer.asPolicy(),
  );
  return {
    policy,
    upstream,
    breakerStates,
    fallbackReasons,
    breakerSummary: () => {
      const m = breaker.metrics();
      return `${m.state}; ${transitions.length} transitions, last: ${transitions.slice(-3).join(' | ')}; rejected ${m.rejected}`;
    },
    async close() {
      off();
      breaker.dispose();
      await balancer.close();
    },
  };
}

/**
 * Runs `total` calls with `concurrency` workers, each yielding one event-loop turn per call. Each
 * worker owns one long-lived AbortSignal that it passes to every call it makes (the cockatiel #81
 * shape: listeners must not pile up on it).
 * Returns how many times each call settled.
 */
async function drive(
  policy: Policy,
  call: ReturnType<typeof fakeUpstream>['call'],
  total: number,
  concurrency: number,
): Promise<{ settleCounts: Uint8Array; outcomes: Record<string, number> }> {
  const settleCounts = new Uint8Array(total);
  const outcomes: Record<string, number> = { ok: 0, fallback: 0, rejected: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    const controller = new AbortController();
    for (;;) {
      const i = next++;
      if (i >= total) return;
      // Callers arrive as I/O events in a real service. Without this turn, 1,000 callers failing fast form
      // one endless microtask chain: no timer (probe completions, timeouts) runs until all calls are done.
      await new Promise<void>((r) => setImmediate(r));
      await policy.execute(call, { signal: controller.signal }).then(
        (v) => {
          settleCounts[i] = (settleCounts[i] ?? 0) + 1;
          outcomes[v === 'ok' ? 'ok' : 'fallback'] = (outcomes[v === 'ok' ? 'ok' : 'fallback'] ?? 0) + 1;
        },
        () => {
          settleCounts[i] = (settleCounts[i] ?? 0) + 1;
          outcomes['rejected'] = (outcomes['rejected'] ?? 0) + 1;
        },
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { settleCounts, outcomes };
}

describe('load: 1M calls through the full pipeline', () => {
  it(`settles every call once, leaks no heap, resources or listeners (${TOTAL} calls, ${CONCURRENCY} at once, seed ${SEED})`, async () => {
    const warnings = captureWarnings();
    const resourcesBefore = activeResources();
    // Warm up (JIT, module-level caches) before the heap baseline, with a rig we then discard.
    const warm = buildRig(SEED + 1);
    await drive(warm.policy, warm.upstream.call, 20_000, CONCURRENCY);
    await warm.close();
    const heapBefore = await settledHeapUsed();

    const rig = buildRig(SEED);
    const started = performance.now();
    const { settleCounts, outcomes } = await drive(rig.policy, rig.upstream.call, TOTAL, CONCURRENCY);
    const durationMs = performance.now() - started;
    const breakerSummary = rig.breakerSummary();
    await rig.close();

    let notOnce = 0;
    for (let i = 0; i < TOTAL; i++) if (settleCounts[i] !== 1) notOnce += 1;
    // Let stray timers (aborted timeouts, ejection timers) run out before measuring.
    const grown = await waitForResourceBaseline(resourcesBefore, 5000);
    const heapAfter = await settledHeapUsed();
    warnings.stop();
    const heapDelta = (heapAfter - heapBefore) / heapBefore;
    const listenerWarnings = warnings.warnings.filter(
      (w) => w.name === 'MaxListenersExceededWarning' || /memory leak/i.test(w.message),
    );

    recordFigures('10-load-pipeline', {
      title: 'Load: 1M calls through fallback → retry → breaker → bulkhead → timeout → balancer',
      note: `In-process fake upstream: endpoint failure rates a 2 %, b 5 %, c 30 %; 25 % of calls wait on a 0–2 ms timer (timeout 1 ms), the rest settle on a microtask. Seed ${SEED}.`,
      rows: {
        calls: TOTAL,
        concurrency: CONCURRENCY,
        'duration (s)': round(durationMs / 1000, 2),
        'calls/s': Math.round(TOTAL / (durationMs / 1000)),
        'resolved ok / via fallback / rejected': `${outcomes['ok']} / ${outcomes['fallback']} / ${outcomes['rejected']}`,
        'upstream invocations (incl. retries)': rig.upstream.tally.invocations,
        'fallback reasons': JSON.stringify(rig.fallbackReasons),
        'calls not settled exactly once': notOnce,
        'heap before (MB, after GC)': round(heapBefore / 1048576, 1),
        'heap after (MB, after GC)': round(heapAfter / 1048576, 1),
        'heap delta': `${round(heapDelta * 100, 2)} %`,
        'active resources above baseline': JSON.stringify(grown),
        'listener warnings': listenerWarnings.length,
        'pipeline breaker at the end': breakerSummary,
        'pipeline breaker states seen': [...rig.breakerStates].join(', ') || 'closed only',
      },
    });

    expect(notOnce).toBe(0);
    expect(outcomes['ok']! + outcomes['fallback']! + outcomes['rejected']!).toBe(TOTAL);
    // The fallback catches everything, so nothing should reach the caller as a rejection.
    expect(outcomes['rejected']).toBe(0);
    expect(rig.upstream.tally.pendingTimers).toBe(0);
    // The pipeline keeps serving: with upstream failure rates of 2–30 % most calls must succeed, not
    // end in the fallback because breakers or ejections never recover under load.
    expect(outcomes['ok']! / TOTAL).toBeGreaterThanOrEqual(0.5);
    expect(grown).toEqual({});
    expect(listenerWarnings).toEqual([]);
    expect(Math.abs(heapDelta)).toBeLessThanOrEqual(0.1);
  });
});
