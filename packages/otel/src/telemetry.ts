import { metrics, trace, type Counter, type Histogram, type Meter, type Tracer } from '@opentelemetry/api';
import { DURATION_BUCKETS, METRIC } from './attributes.js';

/** Instrumentation scope name and version. */
export const SCOPE = '@breakwater/otel';
export const VERSION = '0.1.0';

/** Options of `instrument()`. */
export interface InstrumentOptions {
  /**
   * Default: the global tracer provider's tracer `@breakwater/otel` (resolved per call, so an SDK
   * registered later works).
   */
  tracer?: Tracer;
  /** Default: the global meter provider's meter `@breakwater/otel` (resolved per call). */
  meter?: Meter;
  /**
   * Request headers recorded as `http.request.header.<name>` (lower-case names). Credential
   * headers (Authorization, Cookie, ...) are recorded as `REDACTED` even when listed.
   */
  captureHeaders?: string[];
}

/** The instruments of one meter. */
export interface Instruments {
  duration: Histogram;
  requests: Counter;
}

const byMeter = new WeakMap<Meter, Instruments>();

/** The meter to use now: the given one, or the global provider's (no proxy exists for metrics). */
export function meterOf(o: InstrumentOptions): Meter {
  return o.meter ?? metrics.getMeter(SCOPE, VERSION);
}

/** The tracer to use now. */
export function tracerOf(o: InstrumentOptions): Tracer {
  // The global tracer is a proxy that follows a provider registered later, so one is enough.
  return o.tracer ?? (globalTracer ??= trace.getTracer(SCOPE, VERSION));
}

let globalTracer: Tracer | undefined;

/** Instruments of `meter`, created once per meter. */
export function instrumentsOf(meter: Meter): Instruments {
  let i = byMeter.get(meter);
  if (i === undefined) {
    i = {
      duration: meter.createHistogram(METRIC.HTTP_CLIENT_DURATION, {
        unit: 's',
        description: 'Duration of HTTP client requests.',
        advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
      }),
      requests: meter.createCounter(METRIC.REQUESTS, {
        unit: '{request}',
        description: 'Logical calls through Breakwater, by outcome (success, failure, rejected, timeout).',
      }),
    };
    byMeter.set(meter, i);
  }
  return i;
}
