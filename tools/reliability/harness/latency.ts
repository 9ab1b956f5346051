/**
 * Records latencies (ms, fractional) in a growable Float64Array and answers percentiles. Cheap enough
 * to sit on the hot path of a load test without distorting it much.
 */
export class LatencyRecorder {
  private data = new Float64Array(1024);
  private n = 0;

  record(ms: number): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  /** The q-quantile (0..1), nearest-rank; NaN when empty. */
  percentile(q: number): number {
    if (this.n === 0) return Number.NaN;
    const sorted = this.data.slice(0, this.n).sort();
    const rank = Math.min(this.n - 1, Math.max(0, Math.ceil(q * this.n) - 1));
    return sorted[rank] ?? Number.NaN;
  }

  reset(): void {
    this.n = 0;
  }
}

/** Rounds for reports: 3 significant decimals for small numbers. */
export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
