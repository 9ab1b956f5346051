import type { CircuitBreaker, StateChangeEvent } from '@breakwater/core';
import { STATE_VALUE } from '@breakwater/core/internal';
import { SpanKind, trace, type Attributes, type Meter, type ObservableResult, type Span } from '@opentelemetry/api';
import { ATTR, EVENT, METRIC } from './attributes.js';
import { meterOf, tracerOf, type InstrumentOptions } from './telemetry.js';

/** Gauge value of each state: 0 closed, 1 open, 2 half-open, 3 isolated (one table with the Prometheus gauge). */
export { STATE_VALUE };

interface GaugeState {
  breakers: Set<WeakRef<CircuitBreaker>>;
}

const gauges = new WeakMap<Meter, GaugeState>();

/** Reports `breaker` in the `breakwater.circuit.state` observable gauge of `meter`; returns a remover. */
export function observeBreakerState(meter: Meter, breaker: CircuitBreaker): () => void {
  let g = gauges.get(meter);
  if (g === undefined) {
    const state: GaugeState = { breakers: new Set() };
    g = state;
    gauges.set(meter, state);
    const gauge = meter.createObservableGauge(METRIC.CIRCUIT_STATE, {
      description: 'Circuit breaker state: 0 closed, 1 open, 2 half-open, 3 isolated.',
      unit: '{state}',
    });
    gauge.addCallback((result: ObservableResult) => {
      for (const ref of state.breakers) {
        const b = ref.deref();
        // Weak references: a breaker dropped by the app without dispose() stops being reported.
        if (b === undefined) state.breakers.delete(ref);
        else result.observe(STATE_VALUE[b.state] ?? -1, { [ATTR.CIRCUIT_NAME]: b.name });
      }
    });
  }
  const ref = new WeakRef(breaker);
  const set = g.breakers;
  set.add(ref);
  return () => {
    set.delete(ref);
  };
}

/**
 * Records breaker transitions as span events: on the active span when there is one, else on the
 * newest call in flight through the instrumented breaker, else (a remote transition between
 * calls) on a short span of its own, so no transition goes unseen.
 */
export function recordTransitions(breaker: CircuitBreaker, o: InstrumentOptions, inFlight: Set<Span>): () => void {
  return breaker.on('stateChange', (e: StateChangeEvent) => {
    const attrs: Attributes = {
      [ATTR.CIRCUIT_NAME]: e.name,
      [ATTR.CIRCUIT_FROM]: e.from,
      [ATTR.CIRCUIT_STATE]: e.to,
      [ATTR.CIRCUIT_REASON]: e.reason,
      [ATTR.CIRCUIT_REMOTE]: e.remote,
    };
    const active = trace.getActiveSpan();
    let target: Span | undefined = active !== undefined && inFlight.has(active) ? active : undefined;
    if (target === undefined) for (const s of inFlight) target = s;
    if (target === undefined && active?.isRecording() === true) target = active;
    if (target !== undefined) {
      target.addEvent(EVENT.CIRCUIT_STATE_CHANGE, attrs);
      return;
    }
    const span = tracerOf(o).startSpan(EVENT.CIRCUIT_STATE_CHANGE, { kind: SpanKind.INTERNAL, attributes: attrs });
    span.addEvent(EVENT.CIRCUIT_STATE_CHANGE, attrs);
    span.end();
  });
}

/**
 * Records a breaker's transitions (span events, or short spans between calls) and reports it in
 * the `breakwater.circuit.state` gauge, without wrapping its `execute`. Use it for breakers whose
 * calls are already traced, e.g. a balancer's per-endpoint breakers:
 * `loadBalancer({ createBreaker: (o) => { const b = circuitBreaker(o); observeBreaker(b); return b; } })`.
 * Returns a function that stops observing.
 */
export function observeBreaker(
  breaker: CircuitBreaker,
  o: Pick<InstrumentOptions, 'tracer' | 'meter'> = {},
): () => void {
  const offTransitions = recordTransitions(breaker, o, new Set());
  let offGauge: () => void = () => {};
  try {
    offGauge = observeBreakerState(o.meter ?? meterOf(o), breaker);
  } catch {
    // A meter without observable gauges: transitions are still recorded.
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    offTransitions();
    offGauge();
  };
}
