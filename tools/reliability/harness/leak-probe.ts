import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFn = () => void;

let cachedGc: GcFn | undefined;

/**
 * Returns a callable `gc`. Uses `global.gc` when node runs with --expose-gc, else turns the flag on
 * at runtime and pulls `gc` out of a fresh context (works on Node 20).
 */
export function getGc(): GcFn {
  if (cachedGc !== undefined) return cachedGc;
  const g = (globalThis as { gc?: GcFn }).gc;
  if (typeof g === 'function') {
    cachedGc = g;
    return g;
  }
  setFlagsFromString('--expose-gc');
  cachedGc = runInNewContext('gc') as GcFn;
  return cachedGc;
}

/** Full GCs with event-loop turns in between so finalizers and weak callbacks run; then heapUsed. */
export async function settledHeapUsed(rounds = 4): Promise<number> {
  const gc = getGc();
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/** Counts of `process.getActiveResourcesInfo()` by resource type. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** Resource types whose count grew compared with `baseline` (empty when back to baseline). */
export function resourceGrowth(baseline: Record<string, number>, now = activeResources()): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) {
    const delta = v - (baseline[k] ?? 0);
    if (delta > 0) grown[k] = delta;
  }
  return grown;
}

/**
 * Waits until active resources are back to `baseline` or `timeoutMs` passes (sockets close on the
 * next loop turns, not synchronously); returns what is still above baseline.
 */
export async function waitForResourceBaseline(
  baseline: Record<string, number>,
  timeoutMs = 3000,
): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const grown = resourceGrowth(baseline);
    if (Object.keys(grown).length === 0 || Date.now() > deadline) return grown;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Collects process warnings (MaxListenersExceededWarning and friends) until `stop()`. */
export function captureWarnings(): { warnings: Array<{ name: string; message: string }>; stop(): void } {
  const warnings: Array<{ name: string; message: string }> = [];
  const onWarning = (w: Error): void => {
    warnings.push({ name: w.name, message: w.message });
  };
  process.on('warning', onWarning);
  return { warnings, stop: () => process.off('warning', onWarning) };
}

/** Collects uncaught exceptions / unhandled rejections seen while a test runs ("never throws into the host"). */
export function captureCrashes(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onError = (e: unknown): void => {
    errors.push(e);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    errors,
    stop: () => {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}
