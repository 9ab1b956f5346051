import { AsyncLocalStorage } from 'node:async_hooks';
import { context, propagation, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** An AsyncLocalStorage context manager (what NodeSDK registers), for tests. */
class AlsContextManager implements ContextManager {
  private readonly als = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.als.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.als.disable();
    return this;
  }
}

/**
 * Installs the global context manager and W3C propagator once per test file, and returns the
 * uninstaller: `beforeAll(installGlobals)` runs it after the file's tests (vitest's hook teardown).
 */
export function installGlobals(): () => void {
  const cm = new AlsContextManager();
  context.setGlobalContextManager(cm);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return () => {
    context.disable();
    propagation.disable();
  };
}

class ManualReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A real SDK tracer/meter pair with in-memory export. */
export function sdk() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracer: tracerProvider.getTracer('test'),
    meter: meterProvider.getMeter('test'),
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    async metrics(): Promise<ResourceMetrics> {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics;
    },
    async shutdown(): Promise<void> {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Data points of metric `name`: attributes and value (sum/gauge value, or histogram count+sum). */
export function points(
  rm: ResourceMetrics,
  name: string,
): Array<{ attributes: Record<string, unknown>; value: number; count?: number; sum?: number; boundaries?: number[] }> {
  const out: Array<{
    attributes: Record<string, unknown>;
    value: number;
    count?: number;
    sum?: number;
    boundaries?: number[];
  }> = [];
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      if (m.descriptor.name !== name) continue;
      for (const dp of m.dataPoints as Array<{ attributes: Record<string, unknown>; value: unknown }>) {
        const v = dp.value;
        if (typeof v === 'number') out.push({ attributes: dp.attributes, value: v });
        else {
          const h = v as { count: number; sum: number; buckets: { boundaries: number[] } };
          out.push({
            attributes: dp.attributes,
            value: h.count,
            count: h.count,
            sum: h.sum,
            boundaries: h.buckets.boundaries,
          });
        }
      }
    }
  }
  return out;
}
