import type { AttemptContext } from '@breakwater/core';
import { context as otelContext, propagation, type Context } from '@opentelemetry/api';

const attemptContexts = new WeakMap<object, Context>();

/** Remembers the OpenTelemetry context of an attempt so `injectTraceHeaders(headers, ctx)` finds it. */
export function rememberAttemptContext(ctx: AttemptContext, c: Context): void {
  if (typeof ctx === 'object' && ctx !== null) attemptContexts.set(ctx, c);
}

/**
 * Writes trace headers (`traceparent`, `tracestate`, `baggage`) for the current attempt into
 * `headers`, through the global propagator (`propagation.inject`). Adapters call it once per
 * attempt. With `attempt` (the `AttemptContext` the attempt function received) the attempt's
 * span is used even without a context manager; otherwise the active context. Returns `headers`.
 */
export function injectTraceHeaders<H extends Record<string, string>>(headers: H, attempt?: AttemptContext): H {
  const c = (attempt !== undefined ? attemptContexts.get(attempt) : undefined) ?? otelContext.active();
  try {
    propagation.inject(c, headers);
  } catch {
    // A broken propagator must not fail the request.
  }
  return headers;
}
