import type { AttemptContext } from '../policy.js';

/**
 * Trace-context propagation hook. Adapters call the resolved propagator once per attempt with a
 * plain header record; whatever it writes (`traceparent`, `tracestate`, `baggage`) is added to
 * the outgoing request. Because it runs inside the attempt, an instrumentation that makes a span
 * per attempt (`@breakwater/otel`'s `instrument()`) has its span active and gets it propagated.
 *
 * Resolution order: the adapter's own `propagate` option → a propagator registered with
 * {@link setTracePropagator} (e.g. by `@breakwater/otel`) → the global propagator of
 * `@opentelemetry/api` if that optional peer is installed → nothing. Core takes no dependency:
 * the API is loaded with a dynamic import that may fail.
 */

/**
 * Writes trace headers into `carrier`. `attempt` is the context the policy gave the attempt
 * (instrumentations keyed on it, like `@breakwater/otel`'s `injectTraceHeaders`, find the attempt's
 * span even without a context manager). Must not throw (a throwing propagator is ignored).
 */
export type TracePropagator = (carrier: Record<string, string>, attempt?: AttemptContext) => void;

let registered: TracePropagator | null | undefined;
let otel: Promise<TracePropagator | undefined> | undefined;
/** Set once the dynamic import settled, so later calls need no await. */
let otelLoaded: { fn: TracePropagator | undefined } | undefined;

/**
 * Registers the process-wide propagator adapters use when they have no `propagate` option.
 * `null` disables propagation (also the dynamic `@opentelemetry/api` fallback); `undefined`
 * restores the default.
 */
export function setTracePropagator(propagator: TracePropagator | null | undefined): void {
  registered = propagator;
}

interface OtelApi {
  context: { active(): unknown };
  propagation: { inject(ctx: unknown, carrier: Record<string, string>): void };
}

function loadOtel(): Promise<TracePropagator | undefined> {
  // A variable specifier keeps TypeScript and bundlers from treating the peer as required.
  const specifier = '@opentelemetry/api';
  otel ??= (import(specifier) as Promise<Partial<OtelApi> & { default?: Partial<OtelApi> }>)
    .then(
      (mod) => {
        const api = mod.propagation !== undefined ? mod : mod.default;
        if (api?.propagation === undefined || api.context === undefined) return undefined;
        const { propagation, context } = api as OtelApi;
        return (carrier: Record<string, string>) => propagation.inject(context.active(), carrier);
      },
      () => undefined,
    )
    .then((fn) => {
      otelLoaded = { fn };
      return fn;
    });
  return otel;
}

/**
 * The propagator to use for an adapter whose `propagate` option is `option`: `false` disables,
 * a function wins, otherwise the registered or `@opentelemetry/api` propagator (loaded once).
 */
export function resolveTracePropagator(
  option?: TracePropagator | false,
): Promise<TracePropagator | undefined> | TracePropagator | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return option;
  if (registered === null) return undefined;
  if (registered !== undefined) return registered;
  if (otelLoaded !== undefined) return otelLoaded.fn;
  return loadOtel();
}

/** Runs `propagator` on a fresh carrier and returns the headers it produced (empty on error). */
export function traceHeaders(
  propagator: TracePropagator | undefined,
  attempt?: AttemptContext,
): Record<string, string> | undefined {
  if (propagator === undefined) return undefined;
  const carrier: Record<string, string> = {};
  try {
    propagator(carrier, attempt);
  } catch {
    return undefined;
  }
  for (const _ in carrier) return carrier;
  return undefined;
}
