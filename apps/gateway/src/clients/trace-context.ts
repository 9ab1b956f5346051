import { AsyncLocalStorage } from 'node:async_hooks';
import type { TracePropagator } from '@breakwater/core';

/** Trace headers of the client request being served, for every upstream attempt made for it. */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

/** Holds the current request's trace context across the policies' timers and promises. */
export const traceStore = new AsyncLocalStorage<TraceContext>();

/** The trace headers of the request being served (empty outside one). */
export function currentTraceHeaders(): Record<string, string> {
  const t = traceStore.getStore();
  if (t === undefined) return {};
  return t.tracestate === undefined ? { traceparent: t.traceparent } : { traceparent: t.traceparent, tracestate: t.tracestate };
}

/** For the axios and fetch adapters' `propagate` option. */
export const propagateTrace: TracePropagator = (carrier) => Object.assign(carrier, currentTraceHeaders());
