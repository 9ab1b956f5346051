/**
 * The last `size` latencies of one endpoint with when they were measured, for a p99 on the
 * dashboard. A fixed ring buffer: constant memory whatever the traffic. Quantiles only look at
 * recent samples, so an endpoint that stopped answering stops showing its last p99 as current.
 */
export class LatencyWindow {
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  constructor(
    size = 512,
    private readonly now: () => number = Date.now,
  ) {
    this.values = new Float64Array(size);
    this.times = new Float64Array(size);
  }

  add(ms: number): void {
    this.values[this.next] = ms;
    this.times[this.next] = this.now();
    this.next = (this.next + 1) % this.values.length;
    if (this.count < this.values.length) this.count += 1;
  }

  /** When the newest sample was taken (ms since the epoch), or undefined when empty. */
  get lastAt(): number | undefined {
    if (this.count === 0) return undefined;
    return this.times[(this.next - 1 + this.values.length) % this.values.length];
  }

  /** Quantile q (0..1) of the samples taken in the last `maxAgeMs` (all when omitted), or undefined when none. */
  quantile(q: number, maxAgeMs?: number): number | undefined {
    const since = maxAgeMs === undefined ? -Infinity : this.now() - maxAgeMs;
    const picked: number[] = [];
    for (let i = 0; i < this.count; i++) if ((this.times[i] as number) >= since) picked.push(this.values[i] as number);
    if (picked.length === 0) return undefined;
    picked.sort((a, b) => a - b);
    return picked[Math.max(0, Math.min(picked.length - 1, Math.ceil(q * picked.length) - 1))];
  }
}
