import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Meter, Tracer } from '@opentelemetry/api';

/** A pino logger writing JSON lines into memory. */
export function capturingLogger(): { logger: Logger; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = pino({ level: 'trace' }, stream);
  return { logger, text: () => chunks.join('') };
}

/** A reader we can pull metrics from on demand (no export timer). */
class PullReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** An OTel tracer with in-memory spans and a meter whose data points can be dumped as JSON text. */
export function capturingOtel(): {
  tracer: Tracer;
  meter: Meter;
  spansText(): string;
  spanCount(): number;
  metricsText(): Promise<string>;
  shutdown(): Promise<void>;
} {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PullReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracer: provider.getTracer('reliability'),
    meter: meterProvider.getMeter('reliability'),
    spanCount: () => exporter.getFinishedSpans().length,
    spansText: () =>
      JSON.stringify(
        exporter.getFinishedSpans().map((s) => ({
          name: s.name,
          attributes: s.attributes,
          events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
          status: s.status,
          links: s.links.map((l) => l.attributes),
        })),
      ),
    async metricsText() {
      const { resourceMetrics } = await reader.collect();
      return JSON.stringify(resourceMetrics.scopeMetrics);
    },
    async shutdown() {
      await provider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
