import type { ExecuteOptions } from '@breakwater/core';
import {
  context as otelContext,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { ATTR } from './attributes.js';
import type { CallState } from './attempt.js';
import { errorTypeOf, exceptionOf, outcomeOf, statusOf } from './outcome.js';
import type { CallNotes, CallRegistry } from './policy-events.js';
import { redactUrl } from './redact.js';
import { httpInfoOf, methodAttributes } from './request-info.js';
import { instrumentsOf, meterOf, tracerOf, type InstrumentOptions } from './telemetry.js';

/** What is being instrumented, for span attributes. */
export interface CallTarget {
  kind: 'policy' | 'breaker' | 'balancer';
  /** Breaker or balancer name. */
  name?: string;
  /** Spans of calls in flight (breaker transitions are added to them as events). */
  inFlight?: Set<Span>;
  /** Read at the end of a call (breaker state attribute). */
  endAttributes?: () => Attributes;
  /** Set when the target's policy events are mapped: live calls by their context object. */
  calls?: CallRegistry;
}

/**
 * Runs one logical call inside an INTERNAL parent span; attempts become its CLIENT children.
 * Counts the call in `breakwater.client.requests` by outcome: the outcome the policies reported
 * through their events (`timeout`, `rejected`) when there is one, else by the error's code
 * (rejections of breakers and balancers, which report per breaker rather than per call).
 * `body` receives the execute options to use (with a context object of our own when the caller
 * gave none, so the policies' events can be matched to this call).
 */
export function runCall<T>(
  o: InstrumentOptions,
  target: CallTarget,
  opts: ExecuteOptions | undefined,
  body: (state: CallState, opts: ExecuteOptions | undefined) => Promise<T>,
): Promise<T> {
  const attrs: Attributes = { [ATTR.TARGET]: target.kind };
  if (target.name !== undefined)
    attrs[target.kind === 'breaker' ? ATTR.CIRCUIT_NAME : 'breakwater.balancer.name'] = target.name;
  const info = httpInfoOf(opts?.context);
  methodAttributes(info?.method, attrs);
  if (info?.url !== undefined) {
    const full = redactUrl(String(info.url));
    if (full !== undefined) attrs[ATTR.URL_FULL] = full;
  }
  const parentCtx = otelContext.active();
  const span = tracerOf(o).startSpan('breakwater.call', { kind: SpanKind.INTERNAL, attributes: attrs }, parentCtx);
  const recording = span.isRecording();
  const state: CallState = { parent: recording ? trace.setSpan(parentCtx, span) : parentCtx, attempts: 0 };
  target.inFlight?.add(span);
  let callOpts = opts;
  let notes: CallNotes | undefined;
  let callContext: object | undefined;
  if (target.calls !== undefined) {
    callContext = opts?.context ?? {};
    if (opts?.context === undefined) callOpts = { ...opts, context: callContext as Record<string, unknown> };
    notes = { span: recording ? span : undefined, outcome: undefined, fallback: false };
    target.calls.set(callContext, notes);
  }
  const done = (error: unknown, failed: boolean, result?: unknown): void => {
    target.inFlight?.delete(span);
    if (callContext !== undefined) target.calls?.delete(callContext);
    if (notes?.fallback === true) span.setAttribute(ATTR.FALLBACK, true);
    const end: Attributes = { [ATTR.ATTEMPTS]: state.attempts, ...target.endAttributes?.() };
    const status = failed ? statusOf(error) : statusOf(result);
    const metric: Attributes = {};
    if (attrs[ATTR.HTTP_METHOD] !== undefined) metric[ATTR.HTTP_METHOD] = attrs[ATTR.HTTP_METHOD];
    if (target.kind === 'breaker' && target.name !== undefined) metric[ATTR.CIRCUIT_NAME] = target.name;
    if (failed) {
      const outcome = notes?.outcome ?? outcomeOf(error);
      end[ATTR.OUTCOME] = outcome;
      end[ATTR.ERROR_TYPE] = errorTypeOf(error, status);
      metric[ATTR.OUTCOME] = outcome;
      metric[ATTR.ERROR_TYPE] = end[ATTR.ERROR_TYPE];
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.recordException(exceptionOf(error));
    } else {
      end[ATTR.OUTCOME] = 'success';
      metric[ATTR.OUTCOME] = 'success';
    }
    if (status !== undefined) {
      end[ATTR.HTTP_STATUS] = status;
      metric[ATTR.HTTP_STATUS] = status;
    }
    span.setAttributes(end);
    span.end();
    try {
      instrumentsOf(meterOf(o)).requests.add(1, metric);
    } catch {
      // A broken meter must not break the call.
    }
  };
  let p: Promise<T>;
  try {
    p = recording ? otelContext.with(state.parent, () => body(state, callOpts)) : body(state, callOpts);
  } catch (e) {
    done(e, true);
    return Promise.reject(e);
  }
  return p.then(
    (v) => {
      done(undefined, false, v);
      return v;
    },
    (e: unknown) => {
      done(e, true);
      throw e;
    },
  );
}
