import { circuitBreaker, consecutiveFailures, loadBalancer, ManualClock } from '@breakwater/core';
import { SpanKind } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTR, instrument, observeBreaker } from './index.js';
import { installGlobals, points, sdk } from '@breakwater/testkit/otel';

describe('observeBreaker (per-endpoint breakers of an instrumented balancer)', () => {
  beforeAll(installGlobals);

  it('records endpoint breaker transitions under the balancer call and reports their state', async () => {
    const t = sdk();
    const clock = new ManualClock();
    const detaches: Array<() => void> = [];
    const lb = loadBalancer({
      name: 'api',
      clock,
      endpoints: [{ id: 'a', url: 'http://10.0.0.1:1' }],
      breaker: { trip: consecutiveFailures(1), halfOpenAfterMs: 1000 },
      createBreaker: (o) => {
        const b = circuitBreaker(o);
        detaches.push(observeBreaker(b, { tracer: t.tracer, meter: t.meter }));
        return b;
      },
    });
    const inst = instrument(lb, { tracer: t.tracer, meter: t.meter });
    await expect(
      inst.execute(() => {
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    const call = t.spans().find((s) => s.name === 'breakwater.call');
    // The transition happens inside the balancer call: it becomes an event of a span of that trace.
    const holder = t.spans().find((s) => s.events.some((e) => e.name === 'breakwater.circuit.state_change'));
    const event = holder?.events.find((e) => e.name === 'breakwater.circuit.state_change');
    expect(event?.attributes).toMatchObject({
      [ATTR.CIRCUIT_NAME]: 'api/a',
      [ATTR.CIRCUIT_FROM]: 'closed',
      [ATTR.CIRCUIT_STATE]: 'open',
    });
    expect(holder?.spanContext().traceId).toBe(call?.spanContext().traceId);
    expect(t.spans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(1);
    const gauge = points(await t.metrics(), 'breakwater.circuit.state');
    expect(gauge).toEqual([{ attributes: { [ATTR.CIRCUIT_NAME]: 'api/a' }, value: 1 }]);
    for (const d of detaches) d();
    await lb.close();
    await t.shutdown();
  });
});
