import type { ExecuteOptions } from '@breakwater/core';
import { context as otelContext, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { ATTR } from './attributes.js';
import type { CallState } from './attempt.js';
import { errorTypeOf, exceptionOf, outcomeOf, statusOf } from './outcome.js';
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
}

/**
 * Runs one logical call inside an INTERNAL parent span; attempts become its CLIENT children.
 * Counts the call in `breakwater.client.requests` by outcome.
 */
export function runCall<T>(o: InstrumentOptions, target: CallTarget, opts: ExecuteOptions | undefined, body: (state: CallState) => Promise<T>): Promise<T> {
  const attrs: Attributes = { [ATTR.TARGET]: target.kind };
  if (target.name !== undefined) attrs[target.kind === 'breaker' ? ATTR.CIRCUIT_NAME : 'breakwater.balancer.name'] = target.name;
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
  const done = (error: unknown, failed: boolean, result?: unknown): void => {
    target.inFlight?.delete(span);
    const end: Attributes = { [ATTR.ATTEMPTS]: state.attempts, ...target.endAttributes?.() };
    const status = failed ? statusOf(error) : statusOf(result);
    const metric: Attributes = {};
    if (attrs[ATTR.HTTP_METHOD] !== undefined) metric[ATTR.HTTP_METHOD] = attrs[ATTR.HTTP_METHOD];
    if (target.kind === 'breaker' && target.name !== undefined) metric[ATTR.CIRCUIT_NAME] = target.name;
    if (failed) {
      const outcome = outcomeOf(error);
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
    p = recording ? otelContext.with(state.parent, () => body(state)) : body(state);
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
