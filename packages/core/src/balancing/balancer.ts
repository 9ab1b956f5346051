import { circuitBreaker } from '../breaker/index.js';
import { isRejection } from '../kernel/outcome.js';
import type { Clock } from '../clock.js';
import { ClosedError, ConfigError, NoHealthyEndpointError } from '../errors.js';
import { Emitter } from '../events.js';
import { executeWith, type Ctx, type InternalPolicy } from '../execution.js';
import type { AttemptContext, PolicyFn } from '../policy.js';
import type { BalancerEvents } from './balancer-events.js';
import { DrainGate } from './drain-gate.js';
import { attachEndpointBreaker, breakerEventOf, disposeEndpointBreaker } from './endpoint-breaker.js';
import { EndpointCalls } from './endpoint-call.js';
import { closeEndpointLimiter, endpointLimiter } from './endpoint-limit.js';
import { ActiveHealthChecker } from './health/active-checker.js';
import { LevelPlan, type PlanSummary } from './level-plan.js';
import { EndpointState } from './live-endpoint.js';
import { resolveBalancerOptions, validateEndpoints, type ResolvedBalancerOptions } from './options.js';
import { OutlierDetector } from './outlier/outlier-detector.js';
import { BreakerRecheck, RegionTracker } from './plan-watch.js';
import { WaitQueue, type Waiter } from './wait-queue.js';
import type {
  BalancerExecuteOptions,
  EjectionEvent,
  Endpoint,
  EndpointView,
  LoadBalancer,
  LoadBalancerOptions,
} from './types.js';
import { badKey } from './bad-key.js';

export type { BalancerEvents } from './balancer-events.js';

/** The events `on()` accepts. */
const EVENTS: readonly string[] = ['health', 'ejection', 'regionChange', 'request', 'update', 'breaker'];

type EndpointFn<T> = (endpoint: Endpoint, ctx: AttemptContext) => T | PromiseLike<T>;

/**
 * A client-side load balancer. See {@link loadBalancer}.
 *
 * Picks read a prebuilt plan (levels, candidates, strategy state); health checks, ejections,
 * breaker transitions and update() invalidate it, and it is rebuilt once per burst of changes.
 */
export class Balancer implements LoadBalancer {
  readonly name: string;
  private states: EndpointState[] = [];
  private readonly byId = new Map<string, EndpointState>();
  /** The validated options with their defaults (`options` keeps what the caller passed). */
  private readonly settings: ResolvedBalancerOptions;
  private readonly clock: Clock;
  private readonly plan: LevelPlan;
  private readonly emitter = new Emitter<BalancerEvents>();
  private readonly health: ActiveHealthChecker | undefined;
  private readonly outlier: OutlierDetector | undefined;
  private readonly options: LoadBalancerOptions;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  private readonly decayMs: number;
  private readonly gate: DrainGate;
  private readonly calls: EndpointCalls;
  private readonly regions: RegionTracker;
  private readonly recheck: BreakerRecheck;
  private rebuildQueued = false;
  /** drain() or close() called: new work is turned away ('draining' / ClosedError). */
  private stopped = false;
  private closed = false;
  /** Calls waiting for a slot while every candidate is at maxConnections. */
  private readonly queue: WaitQueue;
  /** The balancer as a pipeline stage: each attempt picks an endpoint and sets `ctx.endpoint`. */
  private readonly policy: InternalPolicy = {
    execute: (fn, opts) => executeWith(this.policy, fn, opts),
    run: (fn, ctx) => this.run(fn, ctx),
  };

  constructor(options: LoadBalancerOptions) {
    this.settings = resolveBalancerOptions(options);
    this.options = options;
    this.name = this.settings.name;
    this.clock = this.settings.clock;
    this.isFailure = options.isFailure ?? ((e) => !isRejection(e));
    this.isResultFailure = options.isResultFailure;
    this.decayMs = this.settings.strategy.decayMs ?? 10_000;
    this.plan = new LevelPlan(
      this.settings.strategy,
      { clock: this.clock, random: this.settings.random },
      this.settings.levels,
    );
    this.regions = new RegionTracker(this.settings.levels);
    this.recheck = new BreakerRecheck(this.clock, () => this.invalidate());
    this.plan.onRebuild = (summary) => this.afterRebuild(summary);
    const h = this.settings.health;
    this.health =
      h === undefined
        ? undefined
        : new ActiveHealthChecker(h, this.clock, this.settings.random, (id, healthy, reason) =>
            this.onHealth(id, healthy, reason),
          );
    const d = this.settings.outlier;
    this.outlier =
      d === undefined
        ? undefined
        : new OutlierDetector(
            d,
            this.clock,
            () => this.states.length,
            (s, ejected, reason) => this.onEjection(s, ejected, reason),
          );
    this.gate = new DrainGate(this.clock);
    this.queue = new WaitQueue(this.settings.queue, this.clock, this.gate, this.name);
    this.calls = new EndpointCalls({
      clock: this.clock,
      decayMs: this.decayMs,
      isFailure: this.isFailure,
      isResultFailure: this.isResultFailure,
      emitter: this.emitter,
      outlier: this.outlier,
      gate: this.gate,
      next: (fn, ctx, mark, repicks, avoid) => this.dispatch(fn, ctx, mark, repicks, avoid),
      released: () => {
        if (this.queue.length > 0) this.serveQueue();
      },
      endpointCount: () => this.states.length,
      limiter: (s) => endpointLimiter(s, this.options.endpointLimit),
    });
    this.update(options.endpoints);
    this.plan.rebuild(this.states);
  }

  get currentRegion(): string | undefined {
    // A change may be waiting for its (microtask) rebuild: apply it before answering.
    if (this.rebuildQueued) this.flush();
    return this.regions.region;
  }

  pick(o?: { key?: string }): Endpoint {
    const s = this.pickState(o?.key);
    // pick() reserves no slot and cannot wait: a saturated fleet is reported, not queued for.
    if (s === undefined) throw this.queue.saturated('queue full', 'pick() cannot wait for a slot (execute() queues)');
    return s.endpoint;
  }

  execute<T>(fn: EndpointFn<T>, opts?: BalancerExecuteOptions): Promise<T> {
    const avoid = opts?.avoid;
    if (avoid === undefined || avoid.size === 0) return executeWith(this.policy, (ctx) => fn(ctx.endpoint!, ctx), opts);
    // A call that must skip endpoints gets its own stage; the shared one stays allocation-free.
    const stage: InternalPolicy = {
      execute: (f, o) => executeWith(stage, f, o),
      run: (f, ctx) => this.run(f, ctx, avoid),
    };
    return executeWith(stage, (ctx) => fn(ctx.endpoint!, ctx), opts);
  }

  asPolicy(): InternalPolicy {
    return this.policy;
  }

  /**
   * One attempt in a policy's context, without `execute()`'s root context and caller-signal race
   * (the policy around settles the call when `ctx` aborts). For `resilientCall`. @internal
   */
  runIn<T>(fn: EndpointFn<T>, ctx: Ctx, avoid: ReadonlySet<string> | undefined): Promise<T> {
    return this.dispatch((c) => fn(c.endpoint!, c), ctx, 0, 0, avoid);
  }

  /** Internal protocol: one attempt on one picked endpoint; `ctx.endpoint` is set for `fn`. */
  private run<T>(fn: PolicyFn<T>, ctx: Ctx, avoid?: ReadonlySet<string>): Promise<T> {
    return this.dispatch(fn, ctx, 0, 0, avoid);
  }

  /**
   * Starts the call on a picked endpoint, or queues it when every candidate is saturated. A new
   * call (`mark` 0) queues behind earlier waiters even when a slot looks free, so waiters are
   * served in arrival order; a call re-picking after a breaker refusal (`mark` > 0) is already
   * under way and picks directly. `avoid`: endpoint ids the call must skip (execute({ avoid })).
   */
  private dispatch<T>(
    fn: PolicyFn<T>,
    ctx: Ctx,
    mark: number,
    repicks: number,
    avoid: ReadonlySet<string> | undefined,
  ): Promise<T> {
    let s: EndpointState | undefined;
    try {
      if (mark === 0 && this.queue.length > 0) {
        this.checkOpen();
        const queued = this.queue.enqueue(fn, ctx, mark, repicks, avoid);
        this.serveQueue();
        return queued;
      }
      s = this.pickState(ctx.key, mark > 0 ? mark : -1, avoid);
    } catch (e) {
      return Promise.reject(e);
    }
    return s === undefined
      ? this.queue.enqueue(fn, ctx, mark, repicks, avoid)
      : this.calls.run(s, fn, ctx, mark, repicks, avoid);
  }

  /** Starts queued calls while slots are free (see WaitQueue.serve). */
  private serveQueue(): void {
    this.queue.serve(this.pickWaiter, this.startWaiter);
  }

  private readonly pickWaiter = (w: Waiter): EndpointState | undefined =>
    this.pickFromPlan(w.ctx.key, w.mark > 0 ? w.mark : -1, w.avoid);

  private readonly startWaiter = (s: EndpointState, w: Waiter): void => {
    this.calls.run(s, w.fn, w.ctx, w.mark, w.repicks, w.avoid).then(w.resolve, w.reject);
  };

  /** A snapshot of every endpoint; side-effect free (the breaker's `state` read makes no transition). */
  endpoints(): ReadonlyArray<EndpointView> {
    const now = this.clock.now();
    return this.states.map((s) => ({
      ...s.endpoint,
      healthy: s.healthy,
      ejected: s.ejected,
      inFlight: s.inFlight,
      ewmaMs: s.ewmaMs * Math.exp(-Math.max(0, now - s.latencyAt) / this.decayMs),
      latencyMs: Number.isNaN(s.latencyMs) ? undefined : s.latencyMs,
      breaker: s.breaker?.state,
    }));
  }

  update(endpoints: Endpoint[]): void {
    validateEndpoints('loadBalancer.endpoints', endpoints);
    const now = this.clock.now();
    const known = this.states.filter((s) => s.latencyAt !== 0 || s.ewmaMs !== 0);
    // Newcomers start at the fleet's mean latency: neither flooded (0) nor starved (a guess).
    const initialRtt = known.length === 0 ? 0 : known.reduce((a, s) => a + s.ewmaMs, 0) / known.length;
    const next: EndpointState[] = [];
    const keep = new Set<string>();
    const added: string[] = [];
    const removed: string[] = [];
    for (const ep of endpoints) {
      keep.add(ep.id);
      let s = this.byId.get(ep.id);
      if (s === undefined) {
        added.push(ep.id);
        s = new EndpointState(ep, initialRtt, now);
        this.byId.set(ep.id, s);
        this.attachBreaker(s);
      } else {
        s.redefine(ep);
      }
      this.health?.add(ep, s.checkHealthy);
      next.push(s);
    }
    for (const s of this.states) {
      if (keep.has(s.id)) continue;
      removed.push(s.id);
      this.detach(s);
    }
    this.states = next;
    this.invalidate();
    // The constructor's own update() has no listeners yet; every later one is announced, so
    // adapters can close a removed endpoint's pool at once instead of on their next sweep.
    this.emitter.emit('update', { added, removed, at: now });
  }

  /** See {@link LoadBalancer.on} (its overloads type each event). */
  on(event: keyof BalancerEvents, fn: (e: never) => void): () => void {
    if (!EVENTS.includes(event as string)) {
      throw new ConfigError(
        'loadBalancer.on',
        `expected 'health', 'ejection', 'regionChange', 'request', 'update' or 'breaker', got ${String(event)}`,
      );
    }
    return this.emitter.on(event, fn as (e: BalancerEvents[typeof event]) => void);
  }

  drain(o?: { timeoutMs?: number }): Promise<void> {
    this.stopped = true;
    return this.gate.wait(o?.timeoutMs);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.closed = true;
    this.queue.rejectAll(this.closedError());
    this.health?.close();
    this.outlier?.close();
    this.recheck.clear();
    for (const s of this.states) {
      disposeEndpointBreaker(s);
      closeEndpointLimiter(s);
    }
    this.gate.releaseAll();
    this.emitter.removeAll();
  }

  /** Throws ClosedError after close(), NoHealthyEndpointError('draining') after drain(). */
  private checkOpen(): void {
    if (!this.stopped) return;
    if (this.closed) throw this.closedError();
    throw new NoHealthyEndpointError('draining', `balancer "${this.name}" is draining`);
  }

  private closedError(): ClosedError {
    return new ClosedError(`balancer "${this.name}"`);
  }

  /**
   * Picks for new work: undefined when every candidate is saturated. `exclude`: a call's refusal
   * mark after a breaker refusal (see LevelPlan.pick).
   */
  private pickState(key: string | undefined, exclude = -1, avoid?: ReadonlySet<string>): EndpointState | undefined {
    this.checkOpen();
    return this.pickFromPlan(key, exclude, avoid);
  }

  /** Picks regardless of drain (queued calls are served while draining). */
  private pickFromPlan(
    key: string | undefined,
    exclude: number,
    avoid: ReadonlySet<string> | undefined,
  ): EndpointState | undefined {
    if (this.closed) throw this.closedError();
    if (key !== undefined && typeof key !== 'string') throw badKey(key);
    try {
      return this.plan.pick(this.states, key, exclude, avoid);
    } catch (e) {
      // Nothing to pick while an open breaker's period is already over: rebuild now instead of
      // failing until the re-check timer runs — callers failing fast in a loop can starve that timer for good.
      if (e instanceof NoHealthyEndpointError && this.clock.now() >= this.recheck.at) {
        this.plan.invalidate();
        return this.plan.pick(this.states, key, exclude, avoid);
      }
      throw e;
    }
  }

  private onHealth(id: string, healthy: boolean, reason: string): void {
    const s = this.byId.get(id);
    if (s === undefined || s.checkHealthy === healthy) return;
    s.checkHealthy = healthy;
    this.invalidate();
    this.emitter.emit('health', { endpoint: id, healthy, reason, at: this.clock.now() });
  }

  private onEjection(s: EndpointState, ejected: boolean, reason: string): void {
    this.invalidate();
    const e: EjectionEvent = { endpoint: s.id, ejected, reason, at: this.clock.now() };
    if (ejected) {
      e.untilMs = s.ejectedUntil;
      e.count = s.ejections;
    }
    this.emitter.emit('ejection', e);
  }

  /** Marks the plan stale and rebuilds it once after the current burst of changes. */
  private invalidate(): void {
    this.plan.invalidate();
    if (this.rebuildQueued) return;
    this.rebuildQueued = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    if (!this.rebuildQueued) return;
    this.rebuildQueued = false;
    this.plan.rebuild(this.states);
    // Endpoints added, recovered or with a closed breaker may free slots for queued calls.
    if (this.queue.length > 0 && !this.closed) this.serveQueue();
  }

  private afterRebuild(summary: PlanSummary): void {
    this.rebuildQueued = false;
    this.recheck.schedule(this.plan.nextBreakerCheck, this.stopped);
    const change = this.regions.update(summary, this.clock.now());
    if (change !== undefined && !this.stopped) this.emitter.emit('regionChange', change);
  }

  private attachBreaker(s: EndpointState): void {
    const b = this.options.breaker;
    if (b === undefined) return;
    attachEndpointBreaker(
      s,
      `${this.name}/${s.id}`,
      b,
      this.options.createBreaker ?? circuitBreaker,
      { clock: this.clock, isFailure: this.isFailure, isResultFailure: this.isResultFailure },
      (e) => {
        this.invalidate();
        if (this.emitter.has('breaker')) this.emitter.emit('breaker', breakerEventOf(s.id, e));
      },
    );
  }

  private detach(s: EndpointState): void {
    s.removed = true;
    this.byId.delete(s.id);
    this.health?.remove(s.id);
    this.outlier?.uneject(s, undefined);
    s.owner = undefined;
    s.slot = -1;
    disposeEndpointBreaker(s);
    closeEndpointLimiter(s);
  }
}
