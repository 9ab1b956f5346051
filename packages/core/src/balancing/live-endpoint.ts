import type { CircuitBreaker } from '../breaker/types.js';
import { DEFAULT_HALF_OPEN_AFTER_MS } from '../breaker/options.js';
import type { InternalPolicy } from '../execution.js';
import type { Policy } from '../policy.js';
import type { Endpoint, LiveEndpoint, Picker } from './types.js';

/** Successes averaged by the dashboard latency before it becomes an exponential average. */
const LATENCY_SAMPLES = 20;

/**
 * The balancer's mutable record for one endpoint. Fields are plain properties (no getters) so the
 * pick path reads them at full speed; only the balancer writes them.
 */
export class EndpointState implements LiveEndpoint {
  endpoint: Endpoint;
  readonly id: string;
  weight: number;
  maxConnections: number;
  region: string;
  inFlight = 0;
  ewmaMs: number;
  latencyAt: number;
  errorRate = 0;
  /** Recent latency of successful calls for dashboards (see EndpointView.latencyMs); NaN before the first. */
  latencyMs = NaN;
  /** Successful calls observed, capped at LATENCY_SAMPLES (the warm-up mean's divisor). */
  latencySamples = 0;
  slot = -1;
  score = 0.5;
  /** The picker that currently holds this endpoint as a candidate (gets onStart/onEnd). */
  owner: Picker | undefined = undefined;
  /** Active health checks say healthy (rise/fall applied). */
  checkHealthy = true;
  /** Ejected by outlier detection. */
  ejected = false;
  ejectedUntil = 0;
  ejections = 0;
  lastUnejectAt = 0;
  consecutiveFailures = 0;
  breaker: CircuitBreaker | undefined = undefined;
  /**
   * The breaker when it can answer `wouldAdmit()` (every Breakwater breaker can): picks skip the
   * endpoint while it says no. Undefined without a breaker, or for a custom one without it.
   */
  gate: CircuitBreaker | undefined = undefined;
  /**
   * Set to the refusal mark of a call whose attempt this endpoint's breaker refused; that call's
   * re-picks pass the mark and skip the endpoint (see LevelPlan.pick's `exclude`).
   */
  refusedMark = 0;
  breakerOff: (() => void) | undefined = undefined;
  /** The endpoint's limiter (`endpointLimit`), created on the first call; the policy as given, for close(). */
  limiter: InternalPolicy | undefined = undefined;
  limiterSource: Policy | undefined = undefined;
  /** Removed by update(); late completions must not touch pickers. */
  removed = false;

  constructor(endpoint: Endpoint, initialRttMs: number, now: number) {
    this.endpoint = endpoint;
    this.id = endpoint.id;
    this.weight = endpoint.weight ?? 1;
    this.maxConnections = endpoint.maxConnections ?? Infinity;
    this.region = endpoint.region ?? '';
    this.ewmaMs = initialRttMs;
    this.latencyAt = now;
  }

  /** Adopts a changed definition of the same id (update()). */
  redefine(endpoint: Endpoint): void {
    this.endpoint = endpoint;
    this.weight = endpoint.weight ?? 1;
    this.maxConnections = endpoint.maxConnections ?? Infinity;
    this.region = endpoint.region ?? '';
  }

  /**
   * Only for a breaker without `nextProbeAt()` (a custom `createBreaker`): its open period, to
   * estimate the end of the open period from `metrics().stateSince`.
   */
  breakerOpenMs = DEFAULT_HALF_OPEN_AFTER_MS;

  /**
   * True while the endpoint's breaker rejects everything: isolated, or open and still inside its
   * open period. Breakers move to half-open lazily (when a call arrives), so once the period is
   * over the endpoint is offered again and the breaker itself admits or refuses the probe.
   */
  breakerBlocks(now: number): boolean {
    const b = this.breaker;
    if (b === undefined) return false;
    const state = b.state;
    if (state === 'isolated') return true;
    return state === 'open' && now < this.breakerProbeAt(b);
  }

  /** When an open breaker's period ends (Infinity when not open: a stateChange will say more). */
  breakerRecheckAt(): number {
    const b = this.breaker;
    return b !== undefined && b.state === 'open' ? this.breakerProbeAt(b) : Infinity;
  }

  /** The breaker's own answer when it has one; else estimated from when it opened. */
  private breakerProbeAt(b: CircuitBreaker): number {
    return b.nextProbeAt !== undefined ? b.nextProbeAt() : b.metrics().stateSince + this.breakerOpenMs;
  }

  /** True when the breaker would refuse a call now (side-effect free; see `gate`). */
  breakerRefuses(): boolean {
    const g = this.gate;
    return g !== undefined && !g.wouldAdmit!();
  }

  /** Healthy as health checks and outlier detection see it (breaker aside). */
  get healthy(): boolean {
    return this.checkHealthy && !this.ejected;
  }

  /**
   * Records one completed call in the peak-EWMA latency (Finagle/Linkerd): the estimate decays
   * toward 0 while idle, jumps to a slower sample at once, and blends faster samples in with a
   * weight that grows with the time since the last one. A failure never lowers the estimate, so a
   * fast failure (a 503 in 1 ms) does not look fast; the error rate then penalises the endpoint.
   */
  observe(durationMs: number, success: boolean, now: number, decayMs: number): void {
    const elapsed = Math.max(0, now - this.latencyAt);
    const decay = Math.exp(-elapsed / decayMs);
    const est = this.ewmaMs * decay;
    const rtt = success ? durationMs : Math.max(durationMs, this.ewmaMs);
    this.ewmaMs = rtt > est ? rtt : est + rtt * (1 - decay);
    this.latencyAt = now;
    // The error rate needs a per-sample floor: a burst of failures in one millisecond must count.
    const alpha = Math.max(0.1, 1 - decay);
    this.errorRate += alpha * ((success ? 0 : 1) - this.errorRate);
    if (success) this.observeLatency(durationMs, 1 - decay);
  }

  /**
   * The dashboard latency: a plain (not peak) average of successful calls — the mean of the first
   * LATENCY_SAMPLES, then an EWMA with weight 1/LATENCY_SAMPLES per sample, or more when calls are
   * sparse (`timeWeight`: the share of decayMs elapsed since the last sample), so one slow call
   * moves it by 1/20 of the difference instead of setting it as the peak estimate does.
   */
  private observeLatency(durationMs: number, timeWeight: number): void {
    if (this.latencySamples < LATENCY_SAMPLES) this.latencySamples++;
    const w = Math.max(1 / this.latencySamples, timeWeight);
    this.latencyMs = this.latencySamples === 1 ? durationMs : this.latencyMs + w * (durationMs - this.latencyMs);
  }

  /**
   * Records a cancelled call (a losing hedge attempt, a caller's abort) as a censored sample: it
   * ran `elapsedMs` without answering, which proves the endpoint's latency is at least that — and
   * nothing else. Without it an endpoint that always loses its hedge race never completes a call,
   * never looks slow, and keeps getting first attempts. Peak semantics: the estimate rises to a
   * bound above it; a bound below it says nothing, so the estimate (and its idle decay) stays as
   * it was. The error rate is untouched: a cancellation is no failure.
   */
  observeLowerBound(elapsedMs: number, now: number, decayMs: number): void {
    const est = this.ewmaMs * Math.exp(-Math.max(0, now - this.latencyAt) / decayMs);
    if (elapsedMs <= est) return;
    this.ewmaMs = elapsedMs;
    this.latencyAt = now;
  }
}
