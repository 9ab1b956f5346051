import {
  ConfigError,
  type AttemptContext,
  type CircuitBreaker,
  type Endpoint,
  type ExecuteOptions,
  type LoadBalancer,
  type Policy,
} from '@breakwater/core';
import { context as otelContext, type Span } from '@opentelemetry/api';
import { ATTR } from './attributes.js';
import { runAttempt } from './attempt.js';
import { observeBreakerState, recordTransitions } from './breaker-telemetry.js';
import { runCall, type CallTarget } from './call.js';
import { callRegistryOf } from './policy-events.js';
import { meterOf, type InstrumentOptions } from './telemetry.js';

type Target = Policy | CircuitBreaker | LoadBalancer;

function isBalancer(t: Target): t is LoadBalancer {
  return typeof (t as LoadBalancer).pick === 'function' && typeof (t as LoadBalancer).endpoints === 'function';
}

function isBreaker(t: Target): t is CircuitBreaker {
  return (
    typeof (t as CircuitBreaker).isolate === 'function' &&
    typeof (t as CircuitBreaker).on === 'function' &&
    'state' in t
  );
}

function validate(target: unknown, o: unknown): InstrumentOptions {
  if (typeof target !== 'object' || target === null || typeof (target as Policy).execute !== 'function') {
    throw new ConfigError(
      'instrument.target',
      'expected a Policy, CircuitBreaker or LoadBalancer (an object with execute), ' +
        `got ${target === null ? 'null' : typeof target}`,
    );
  }
  if (o === undefined) return {};
  if (typeof o !== 'object' || o === null)
    throw new ConfigError('instrument.options', `expected an options object, got ${o === null ? 'null' : typeof o}`);
  const opts = o as InstrumentOptions;
  if (opts.tracer !== undefined && typeof opts.tracer?.startSpan !== 'function')
    throw new ConfigError('instrument.tracer', 'expected an OpenTelemetry Tracer (with startSpan), got something else');
  if (opts.meter !== undefined && typeof opts.meter?.createHistogram !== 'function')
    throw new ConfigError(
      'instrument.meter',
      'expected an OpenTelemetry Meter (with createHistogram), got something else',
    );
  if (
    opts.captureHeaders !== undefined &&
    (!Array.isArray(opts.captureHeaders) || opts.captureHeaders.some((h) => typeof h !== 'string'))
  ) {
    throw new ConfigError('instrument.captureHeaders', 'expected a list of header names, got something else');
  }
  return opts;
}

/**
 * A proxy of `target` whose listed methods are replaced; everything else (getters such as
 * `state`, `on`, `isolate`, `endpoints`, ...) goes to the target itself, bound to it. `run`, the
 * internal fast path of Breakwater policies, is hidden so pipelines go through `execute`.
 */
function wrap<T extends object>(target: T, overrides: Record<string, unknown>, hidePrototype = false): T {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    // A pipeline recognises nested pipelines by class and flattens them, which would skip our
    // execute; a wrapped plain policy therefore does not claim the target's class.
    ...(hidePrototype ? { getPrototypeOf: () => Object.prototype } : {}),
    get(t, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as string];
      if (prop === 'run') return undefined;
      const v = Reflect.get(t, prop, t) as unknown;
      if (typeof v !== 'function') return v;
      let b = bound.get(prop);
      if (b === undefined || (b as { target?: unknown }).target !== v) {
        const fn = (v as (...args: unknown[]) => unknown).bind(t);
        b = Object.assign(fn, { target: v });
        bound.set(prop, b);
      }
      return b;
    },
    has(t, prop) {
      return prop === 'run' ? false : Reflect.has(t, prop);
    },
  });
}

/** The internal protocol of Breakwater policies: run `fn` inside the enclosing pipeline's attempt context. */
type StageRun = <R>(fn: (ctx: AttemptContext) => R | PromiseLike<R>, ctx: AttemptContext) => Promise<R>;

/**
 * An instrumented balancer's `asPolicy()`. Called on its own it traces like `execute` (a call span
 * and a CLIENT span per attempt). As a pipeline stage (`run`) each invocation is one attempt of the
 * enclosing call: a CLIENT span, child of the active span, carrying the pipeline's attempt number
 * (`http.request.resend_count` on retries).
 */
function instrumentedStage(
  stage: Policy,
  callTarget: CallTarget,
  opts: InstrumentOptions,
  captureHeaders: readonly string[],
): Policy {
  const execute = <R>(fn: (ctx: AttemptContext) => R | PromiseLike<R>, eo?: ExecuteOptions): Promise<R> =>
    runCall(opts, callTarget, eo, (state, callOpts) =>
      stage.execute((ctx) => runAttempt(state, opts, captureHeaders, ctx, ctx.endpoint, () => fn(ctx)), callOpts),
    );
  const internal = stage as { run?: StageRun };
  if (typeof internal.run !== 'function') return { execute };
  const inner = internal as { run: StageRun };
  const traced: StageRun = (fn, ctx) =>
    inner.run(
      (c) =>
        runAttempt({ parent: otelContext.active(), attempts: 0 }, opts, captureHeaders, c, c.endpoint, () => fn(c)),
      ctx,
    );
  return { execute, run: traced } as Policy;
}

/**
 * Adds OpenTelemetry spans and metrics to a policy, breaker or balancer; returns an object of the
 * same shape. Per logical call: an INTERNAL span `breakwater.call`; per attempt: a CLIENT span
 * named after the HTTP method, with the HTTP client attributes read from `ctx.context.http`
 * (`{ method, url }`, set by the adapters) and `ctx.endpoint`, and `http.request.resend_count`
 * on retries. Breakers add state transitions as span events and the `breakwater.circuit.state`
 * gauge. Metrics: `http.client.request.duration` (s, per attempt), `breakwater.client.requests`
 * (per call, by outcome). An instrumented balancer's `asPolicy()` is traced too: as a pipeline
 * stage, one CLIENT span per attempt. Secrets (URL credentials, tokens, credential headers) are redacted.
 */
export function instrument<T extends Target>(target: T, o?: InstrumentOptions): T {
  const opts = validate(target, o);
  const captureHeaders = (opts.captureHeaders ?? []).map((h) => h.toLowerCase());

  if (isBalancer(target)) {
    const callTarget: CallTarget = { kind: 'balancer', name: target.name };
    const execute = <R>(
      fn: (endpoint: Endpoint, ctx: AttemptContext) => R | PromiseLike<R>,
      eo?: ExecuteOptions,
    ): Promise<R> =>
      runCall(opts, callTarget, eo, (state, callOpts) =>
        target.execute(
          (endpoint, ctx) => runAttempt(state, opts, captureHeaders, ctx, endpoint, () => fn(endpoint, ctx)),
          callOpts,
        ),
      );
    let policy: Policy | undefined;
    const asPolicy = (): Policy => (policy ??= instrumentedStage(target.asPolicy(), callTarget, opts, captureHeaders));
    return wrap(target, { execute, asPolicy });
  }

  const callTarget: CallTarget = { kind: isBreaker(target) ? 'breaker' : 'policy' };
  const overrides: Record<string, unknown> = {};
  if (isBreaker(target)) {
    const breaker = target;
    const inFlight = new Set<Span>();
    callTarget.name = breaker.name;
    callTarget.inFlight = inFlight;
    callTarget.endAttributes = () => ({ [ATTR.CIRCUIT_STATE]: breaker.state });
    const offTransitions = recordTransitions(breaker, opts, inFlight);
    let offGauge: () => void = () => {};
    try {
      offGauge = observeBreakerState(meterOf(opts), breaker);
    } catch {
      // A meter without observable gauges: spans still work.
    }
    overrides.dispose = () => {
      offTransitions();
      offGauge();
      breaker.dispose();
    };
    // close() is the breaker's name for it (dispose() its alias): both stop the telemetry.
    overrides.close = overrides.dispose;
  }
  if (callTarget.kind === 'policy') {
    // Map the policies' own events (timeout, rejected, retry, fallback, hedge…) onto each call.
    callTarget.calls = callRegistryOf(target);
  }
  overrides.execute = <R>(fn: (ctx: AttemptContext) => R | PromiseLike<R>, eo?: ExecuteOptions): Promise<R> =>
    runCall(opts, callTarget, eo, (state, callOpts) =>
      target.execute((ctx) => runAttempt(state, opts, captureHeaders, ctx, ctx.endpoint, () => fn(ctx)), callOpts),
    );
  return wrap(target, overrides, callTarget.kind === 'policy');
}
