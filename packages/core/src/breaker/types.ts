import type { Clock } from '../clock.js';
import type { Policy } from '../policy.js';
import type { Backoff } from '../retry/backoff.js';
import type { SnapshotTime } from './windows/types.js';
import type { BreakerStore } from '../store/types.js';
import type { BreakerState } from '../kernel/breaker-state.js';

export type { BreakerState } from '../kernel/breaker-state.js';

/**
 * One outcome fed to a trip strategy. Breakers reuse one outcome object, shared by every breaker
 * in the process (no allocation per call): evaluators must read it inside `record()`, copy what
 * they need and never keep the reference.
 * `durationMs` and `at` are measured only when something needs them (`needsTiming` evaluators,
 * `slowCall`, or success/failure listeners); otherwise both are 0.
 */
export interface CallOutcome {
  readonly success: boolean;
  readonly durationMs: number;
  /** A success slower than `slowCall.thresholdMs`. */
  readonly slow: boolean;
  /** Calls in flight when this one finished (predictive strategy feature). */
  readonly inFlight: number;
  readonly at: number;
}

/**
 * Decides when a closed breaker opens. Created per breaker (stateful windows), so a strategy
 * value is a factory.
 */
export interface TripStrategy {
  /**
   * Stable name of the strategy (`consecutiveFailures`, `failureRate`, `predictive`), as a balancer
   * strategy has `Strategy.name`. Snapshots record it as `trip.kind` (`toJSON()`), and restore a
   * window only into a strategy of the same name.
   */
  readonly name: string;
  /**
   * The same value as {@link TripStrategy.name}, under its old name. The built-in strategies carry
   * both; a strategy that sets only `kind` is still accepted (its `kind` is its name).
   *
   * @deprecated Use `name`.
   */
  readonly kind?: string;
  create(clock: Clock, options?: TripOptions): TripEvaluator;
}

/** Breaker settings a strategy needs to know about when it creates its evaluator. */
export interface TripOptions {
  /** From `slowCall.rateThreshold`: also trip when slow successes reach this share of the window. */
  slowCallRateThreshold?: number;
}

/** The per-breaker state of a trip strategy. */
export interface TripEvaluator {
  /** True when `record` needs real `durationMs`/`at` values (latency-aware strategies). */
  readonly needsTiming?: boolean;
  /** A JSON-ready view of the evaluator's internals (the predictive model's weights, ...). */
  inspect?(): Record<string, unknown>;
  /** Records an outcome; returns a reason string when the breaker should open, else undefined. */
  record(outcome: CallOutcome): string | undefined;
  /** Share of failures in the current window, 0..1 (0 when the window is empty). */
  failureRate(): number;
  /** Number of calls in the current window. */
  windowSize(): number;
  /** Optional: the evaluator's window, JSON-safe, for `breaker.toJSON()`. */
  exportState?(time: SnapshotTime): unknown;
  /** Optional: restores what `exportState` returned (`initialState`); false when `data` is not of that form. */
  importState?(data: unknown, time: SnapshotTime): boolean;
  /** Would these fleet-wide totals trip (aggregate mode)? */
  shouldTripOn(totals: { successes: number; failures: number; slowCalls: number }): boolean;
  reset(): void;
}

export interface CircuitBreakerOptions {
  /** Identity; shared state is keyed by it. */
  name: string;
  /**
   * Default `consecutiveFailures(5)`. A custom strategy names itself with `name`; one written before
   * `name` existed, with only the deprecated `kind`, is accepted too. ConfigError when it has neither.
   */
  trip?: TripStrategy | (Omit<TripStrategy, 'name' | 'kind'> & { readonly kind: string; readonly name?: string });
  /**
   * open → half-open, default 30_000. A {@link Backoff} (e.g. `exponentialBackoff({ initialMs: 1_000,
   * maxMs: 60_000, jitter: 'none' })`) makes the period grow: it is asked with the open attempt — 1
   * when the breaker opens from closed, +1 for every failed probe — and closing starts over.
   */
  halfOpenAfterMs?: number | Backoff;
  halfOpen?: { maxProbes?: number; successesToClose?: number; probeTimeoutMs?: number };
  slowCall?: { thresholdMs: number; rateThreshold: number };
  mode?: 'enforce' | 'shadow';
  isFailure?: (error: unknown) => boolean;
  isResultFailure?: (result: unknown) => boolean;
  store?: BreakerStore;
  clock?: Clock;
  /**
   * A snapshot from `breaker.toJSON()` to start from (state, open period, window). ConfigError for a
   * malformed snapshot or one of a newer format version. With a store, a newer fleet state wins.
   */
  initialState?: BreakerSnapshot;
}

export interface BreakerMetrics {
  state: BreakerState;
  requests: number;
  successes: number;
  failures: number;
  timeouts: number;
  rejected: number;
  slowCalls: number;
  failureRate: number;
  stateSince: number;
}

/** Payload of `stateChange` (a type alias, so it is assignable to `Record<string, unknown>`). */
export type StateChangeEvent = {
  name: string;
  from: BreakerState;
  to: BreakerState;
  reason: string;
  at: number;
  remote: boolean;
  generation: number;
};

/** Event map of a circuit breaker. */
export type BreakerEvents = {
  stateChange: StateChangeEvent;
  success: CallEvent;
  failure: CallEvent;
  rejected: CallEvent;
};

/** Payload of `success`, `failure` and `rejected`. */
export type CallEvent = {
  name: string;
  durationMs?: number;
  error?: unknown;
  /** On 'rejected': true when a shadow-mode breaker would have rejected the call (it ran anyway). */
  shadow?: boolean;
};

/** `metrics()` of a breaker: the public fields plus shadow-mode and in-flight counts. */
export interface CircuitBreakerMetrics extends BreakerMetrics {
  /** Shadow mode: calls an enforcing breaker would have rejected (they ran anyway). Not in `requests`' `rejected`. */
  shadowRejected: number;
  /** Calls running now. */
  inFlight: number;
  /** Fleet generation (see {@link CircuitBreakerPolicy.fleetGeneration}). */
  generation: number;
  /**
   * Calls that ended cancelled: their context was aborted (caller signal, losing hedge) for a reason
   * other than a timeout. Neither successes nor failures, and not in `requests`, so
   * `requests = successes + failures + rejected` holds exactly.
   */
  cancelled: number;
  /**
   * Outcomes that say nothing about the dependency, so neither successes nor failures, not in the
   * window and not in `requests`: an inner Breakwater rejection (bulkhead full, rate limited,
   * saturated, another breaker open or isolated, closed) or a local resource error of this process
   * (`isLocalResourceError`) that `isFailure` declined.
   */
  ignored: number;
  /** The latest failure: the thrown error (or the result `isResultFailure` flagged) and when (clock ms). */
  lastFailure: { error: unknown; at: number } | undefined;
}

export interface CircuitBreaker extends Policy {
  readonly name: string;
  readonly state: BreakerState;
  /** Monotonic transition counter (fleet-wide with a shared store). */
  readonly generation: number;
  isolate(o?: { scope?: 'local' | 'fleet' }): { release(): void };
  reset(): void;
  /**
   * Optional, side-effect free: would a call arriving now be let through? Balancers skip endpoints
   * whose breaker says no; a breaker without it is offered and may refuse (the balancer re-picks).
   */
  wouldAdmit?(): boolean;
  /**
   * Optional, side-effect free: when a call may next be admitted as a probe (clock ms) — the end of
   * the open period while open, +Infinity while isolated, 0 in other states. Balancers keep an
   * endpoint out of picks until then; for a breaker without it they estimate from
   * `metrics().stateSince` and the open period.
   */
  nextProbeAt?(): number;
  metrics(): BreakerMetrics;
  on(event: 'stateChange', fn: (e: StateChangeEvent) => void): () => void;
  on(event: 'success' | 'failure' | 'rejected', fn: (e: CallEvent) => void): () => void;
  /** Detaches from the store, drops listeners; later calls reject with `ClosedError` (`BW_CLOSED`). */
  close(): void;
  /** Alias of `close()`. */
  dispose(): void;
}

/**
 * What `circuitBreaker()` returns: the {@link CircuitBreaker} contract plus what this implementation
 * adds (full metrics, admission and probe-time reads for balancers, snapshots, trip inspection).
 */
export interface CircuitBreakerPolicy extends CircuitBreaker {
  /** The fleet generation last published or adopted (equals `generation` without a store). */
  readonly fleetGeneration: number;
  /**
   * The open period in force: `halfOpenAfterMs`, or with a Backoff the latest open attempt's (the
   * first before any).
   */
  readonly halfOpenAfterMs: number;
  /** `halfOpen.probeTimeoutMs` (default `max(halfOpenAfterMs, 1000)`). */
  readonly probeTimeoutMs: number;
  /** The contract's metrics plus shadow rejections, calls in flight, generation and cancelled calls. */
  metrics(): CircuitBreakerMetrics;
  /**
   * Would a call arriving now be let through (run, or admitted as a probe)? Side-effect free and
   * O(1): it neither moves the breaker to half-open nor requests the fleet probe lease. Closed and
   * shadow mode: true. Open: once the open period is over, unless the store knows the fleet's probe
   * lease is taken elsewhere. Half-open: while a probe slot is free. Isolated, or after close(): false.
   */
  wouldAdmit(): boolean;
  /**
   * Clock time (ms) from which an open breaker admits a probe: the end of its open period (Backoff
   * and adopted fleet state included); +Infinity while isolated; 0 otherwise. Balancers keep the
   * endpoint out of the plan until then.
   */
  nextProbeAt(): number;
  /**
   * A versioned, JSON-safe snapshot: state, open-until and since as wall-clock ms, open attempt,
   * generation, reason and the trip strategy's window. `circuitBreaker({ initialState })` restores
   * it — e.g. a process restarting without a shared store keeps an open breaker open.
   */
  toJSON(): BreakerSnapshot;
  /** The trip evaluator's internals (e.g. the predictive model's weights), JSON-ready. */
  inspectTrip(): Record<string, unknown>;
}

/**
 * A breaker's state, JSON-safe and versioned (`breaker.toJSON()`; `circuitBreaker({ initialState })`).
 * Times are wall-clock milliseconds (`Date.now()` base), so a snapshot survives a restart.
 */
export interface BreakerSnapshot {
  readonly version: 1;
  readonly name: string;
  readonly state: BreakerState;
  /** While open: when the open period ends (wall clock); else null. */
  readonly openUntil: number | null;
  /** Open attempt (1 = opened from closed, +1 per failed probe; 0 when closed): drives a growing open period. */
  readonly openAttempt: number;
  readonly generation: number;
  readonly reason: string;
  /** When the breaker entered `state` (wall clock). */
  readonly since: number;
  /**
   * The trip strategy's name (`TripStrategy.name`; the field keeps its original key, `kind`) and its
   * window contents (strategy-specific JSON), or null when it exports none.
   */
  readonly trip: { readonly kind: string; readonly window: unknown };
}
