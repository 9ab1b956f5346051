import { AsyncLocalStorage } from 'node:async_hooks';
import type { TracePropagator } from '@breakwater/core/internal';

/** Trace headers of the client request being served, for every upstream attempt made for it. */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

/** Holds the current request's trace context across the policies' timers and promises (no tracer configured). */
export const traceStore = new AsyncLocalStorage<TraceContext>();

let otelInject: ((carrier: Record<string, string>) => void) | undefined;

/** With a tracer: headers come from the active OpenTelemetry span (the attempt's) instead of {@link traceStore}. */
export function setOtelInjector(inject: ((carrier: Record<string, string>) => void) | undefined): void {
  otelInject = inject;
}

/** The trace headers for an upstream call made now (empty outside a request). Never throws. */
export function currentTraceHeaders(): Record<string, string> {
  const t = traceStore.getStore();
  if (t !== undefined)
    return t.tracestate === undefined
      ? { traceparent: t.traceparent }
      : { traceparent: t.traceparent, tracestate: t.tracestate };
  if (otelInject === undefined) return {};
  const carrier: Record<string, string> = {};
  try {
    otelInject(carrier);
  } catch {
    return {};
  }
  return carrier;
}

/** For the axios and fetch adapters' `propagate` option. */
export const propagateTrace: TracePropagator = (carrier) => Object.assign(carrier, currentTraceHeaders());
