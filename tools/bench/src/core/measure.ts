/**
 * Timing helpers for the core overhead benchmark. Sequential `await` loops, as a client makes
 * calls: this measures the per-call cost a policy adds on the caller's path.
 */

/** Nanoseconds per call of `call`, over `n` sequential awaited calls. */
export async function nsPerCall(call: () => Promise<unknown>, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call();
  return Number(process.hrtime.bigint() - t0) / n;
}

/**
 * A private copy of {@link nsPerCall}: its own source text, hence its own type feedback. Each
 * contender timed with its own copy keeps the timing loop's `call()` site monomorphic, so timing
 * several libraries in one process does not make one library's calls pay for the others'.
 */
export function freshNsPerCall(tag: string): (call: () => Promise<unknown>, n: number) => Promise<number> {
  return new Function(
    'hrtime',
    `return async function nsPerCall_${tag.replace(/\W/g, '_')}(call, n) {
    const t0 = hrtime();
    for (let i = 0; i < n; i++) await call();
    return Number(hrtime() - t0) / n;
  };`,
  )(process.hrtime.bigint) as (call: () => Promise<unknown>, n: number) => Promise<number>;
}

/** Nanoseconds per synchronous op. */
export function nsPerOp(op: () => void, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) op();
  return Number(process.hrtime.bigint() - t0) / n;
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Forces a full GC when node runs with --expose-gc (the bench script passes it). */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with --expose-gc (npm run bench:core does)');
  g();
  g();
}

/** Heap bytes retained per object made by `make`, over `count` objects kept alive. */
export function heapBytesPer(make: (i: number) => unknown, count: number, release?: (o: unknown) => void): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const keep: unknown[] = new Array(count);
  for (let i = 0; i < count; i++) keep[i] = make(i);
  gc();
  const after = process.memoryUsage().heapUsed;
  if (release !== undefined) for (const o of keep) release(o);
  keep.length = 0;
  // The array of references itself is ~8 bytes per slot; subtract it so only the objects count.
  return (after - before) / count - 8;
}

/** Formats nanoseconds for tables: "123 ns" or "1.23 µs". */
export function fmtNs(ns: number): string {
  if (Math.abs(ns) >= 1000) return `${(ns / 1000).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

/** Formats bytes: "1.2 KB" or "640 B". */
export function fmtBytes(b: number): string {
  return Math.abs(b) >= 1024 ? `${(b / 1024).toFixed(2)} KB` : `${b.toFixed(0)} B`;
}
