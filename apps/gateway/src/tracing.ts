import type { Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A tracer printing every span to stdout (`--otel true`), and how to flush it. */
export function consoleTracer(serviceName: string): { tracer: Tracer; shutdown: () => Promise<void> } {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
  return { tracer: provider.getTracer(serviceName), shutdown: () => provider.shutdown() };
}
