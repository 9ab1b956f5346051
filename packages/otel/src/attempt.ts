import type { AttemptContext, Endpoint } from '@breakwater/core';
import {
  context as otelContext,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { ATTR } from './attributes.js';
import { errorTypeOf, exceptionOf, statusOf } from './outcome.js';
import { rememberAttemptContext } from './propagation.js';
import { attemptAttributes } from './request-info.js';
import { instrumentsOf, meterOf, tracerOf, type InstrumentOptions } from './telemetry.js';

/** Per logical call: the parent context and the attempt count. */
export interface CallState {
  parent: Context;
  attempts: number;
}

function metricAttributes(a: Attributes): Attributes {
  // Low cardinality only: no url.full, no endpoint id.
  const m: Attributes = {};
  for (const k of [ATTR.HTTP_METHOD, ATTR.SERVER_ADDRESS, ATTR.SERVER_PORT, ATTR.HTTP_STATUS, ATTR.ERROR_TYPE]) {
    if (a[k] !== undefined) m[k] = a[k];
  }
  return m;
}

function finish(
  span: Span,
  attrs: Attributes,
  started: number,
  o: InstrumentOptions,
  status: number | undefined,
  error: unknown,
  failed: boolean,
): void {
  const end: Attributes = {};
  if (status !== undefined) end[ATTR.HTTP_STATUS] = status;
  if (failed) {
    end[ATTR.ERROR_TYPE] = errorTypeOf(error, status);
    span.setStatus({ code: SpanStatusCode.ERROR });
    if (error !== undefined) span.recordException(exceptionOf(error));
  } else if (status !== undefined && status >= 400) {
    // Client spans: 4xx and 5xx responses are errors even when the caller resolves with them.
    end[ATTR.ERROR_TYPE] = String(status);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.setAttributes(end);
  span.end();
  try {
    instrumentsOf(meterOf(o)).duration.record(
      (performance.now() - started) / 1000,
      metricAttributes({ ...attrs, ...end }),
    );
  } catch {
    // A broken meter must not break the call.
  }
}

/**
 * Runs one attempt inside a CLIENT span (child of the call's span), records the attempt
 * duration, and makes the span the active context while `fn` runs so propagators see it.
 */
export function runAttempt<T>(
  state: CallState,
  o: InstrumentOptions,
  captureHeaders: readonly string[],
  ctx: AttemptContext,
  endpoint: Endpoint | undefined,
  fn: () => T | PromiseLike<T>,
): T | Promise<T> {
  state.attempts++;
  const attrs: Attributes = {};
  const method = attemptAttributes(ctx, endpoint, captureHeaders, attrs);
  const span = tracerOf(o).startSpan(
    method ?? 'breakwater.attempt',
    { kind: SpanKind.CLIENT, attributes: attrs },
    state.parent,
  );
  // Without an SDK (or when not sampled) the span carries nothing new to propagate: skip the
  // context switch and the WeakMap entry, which dominate the cost of a no-op instrumentation.
  const recording = span.isRecording();
  const active = recording ? trace.setSpan(state.parent, span) : undefined;
  if (active !== undefined) rememberAttemptContext(ctx, active);
  const started = performance.now();
  let result: T | PromiseLike<T>;
  try {
    result = active !== undefined ? otelContext.with(active, fn) : fn();
  } catch (e) {
    finish(span, attrs, started, o, statusOf(e), e, true);
    throw e;
  }
  if (typeof (result as PromiseLike<T> | null)?.then !== 'function') {
    finish(span, attrs, started, o, statusOf(result), undefined, false);
    return result as T;
  }
  return Promise.resolve(result).then(
    (v) => {
      finish(span, attrs, started, o, statusOf(v), undefined, false);
      return v;
    },
    (e: unknown) => {
      finish(span, attrs, started, o, statusOf(e), e, true);
      throw e;
    },
  );
}
