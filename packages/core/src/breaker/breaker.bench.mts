/**
 * Breaker hot-path benchmark against cockatiel. Not part of the build or the test run.
 *   node --expose-gc --import tsx packages/core/src/breaker/breaker.bench.mts
 * Prints the best of 6 rounds (ns per call) for each case, the overhead over a bare `await fn()`,
 * and heap bytes per breaker instance.
 */
import * as cockatiel from 'cockatiel';
import { circuitBreaker, consecutiveFailures } from './index.ts';

const N = Number(process.env['N'] ?? 300_000);
const fn = async (): Promise<number> => 1;
const noop = (): number => 0;

const breaker = circuitBreaker({ name: 'b' });
const cb = cockatiel.circuitBreaker(cockatiel.handleAll, {
  halfOpenAfter: 1e9,
  breaker: new cockatiel.ConsecutiveBreaker(5),
});
const open = circuitBreaker({ name: 'o', trip: consecutiveFailures(1), halfOpenAfterMs: 1e9 });
await open
  .execute(() => {
    throw new Error('x');
  })
  .catch(noop);
const cockOpen = cockatiel.circuitBreaker(cockatiel.handleAll, {
  halfOpenAfter: 1e9,
  breaker: new cockatiel.ConsecutiveBreaker(1),
});
await cockOpen
  .execute(() => {
    throw new Error('x');
  })
  .catch(noop);

const asyncCases: Record<string, () => unknown> = {
  'bare await fn()': () => fn(),
  'breakwater execute': () => breaker.execute(fn),
  'cockatiel execute': () => cb.execute(fn),
  'breakwater rejected (open)': () => open.execute(fn).catch(noop),
  'cockatiel rejected (open)': () => cockOpen.execute(fn).catch(noop),
};
const syncCases: Record<string, () => unknown> = {
  'new Error()': () => new Error('x'),
};
const best: Record<string, number> = {};
for (let round = 0; round < 7; round++) {
  for (const [k, f] of Object.entries(asyncCases)) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await f();
    if (round > 0) best[k] = Math.min(best[k] ?? Infinity, Number(process.hrtime.bigint() - t0) / N);
  }
  for (const [k, f] of Object.entries(syncCases)) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) f();
    if (round > 0) best[k] = Math.min(best[k] ?? Infinity, Number(process.hrtime.bigint() - t0) / N);
  }
}
for (const [k, v] of Object.entries(best)) console.log(`${k.padEnd(30)} ${v.toFixed(1)} ns`);
const bare = best['bare await fn()']!;
const ours = best['breakwater execute']! - bare;
const theirs = best['cockatiel execute']! - bare;
console.log(
  `overhead: breakwater ${ours.toFixed(1)} ns, cockatiel ${theirs.toFixed(1)} ns, ratio ${(ours / theirs).toFixed(2)}`,
);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc !== undefined) {
  const M = 20_000;
  const names = Array.from({ length: M }, (_, i) => `svc-${i}`);
  const heapPer = async (
    make: (i: number) => { execute(f: typeof fn): Promise<unknown> },
    use: boolean,
  ): Promise<number> => {
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    const keep = Array.from({ length: M }, (_, i) => make(i));
    if (use) for (const b of keep) await b.execute(fn);
    gc();
    gc();
    const used = process.memoryUsage().heapUsed - before;
    if (keep.length !== M) throw new Error('unreachable');
    return used / M;
  };
  const ck = (): { execute(f: typeof fn): Promise<unknown> } =>
    cockatiel.circuitBreaker(cockatiel.handleAll, {
      halfOpenAfter: 10_000,
      breaker: new cockatiel.ConsecutiveBreaker(5),
    });
  console.log(
    `heap per breaker: breakwater ${(await heapPer((i) => circuitBreaker({ name: names[i]! }), false)).toFixed(0)} B fresh, ` +
      `${(await heapPer((i) => circuitBreaker({ name: names[i]! }), true)).toFixed(0)} B after a call; ` +
      `cockatiel ${(await heapPer(ck, false)).toFixed(0)} B fresh, ${(await heapPer(ck, true)).toFixed(0)} B after a call`,
  );
}
