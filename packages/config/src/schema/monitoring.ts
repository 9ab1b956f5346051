import { z } from 'zod';
import { bounded, httpPath, integer, name, url } from './fields.js';

/**
 * A log level (pino's). Spelled out as a named union so declarations print `LogLevel`, not a union
 * whose member order follows the compiler's type creation order (that flipped api/config.api.md
 * between builds).
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Log levels (pino's); the file may spell them in any case ("INFO"). */
export const LOG_LEVELS = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
] as const satisfies readonly LogLevel[];

const logLevel = z
  .string()
  .transform<LogLevel>((v, ctx) => {
    const lower = v.trim().toLowerCase();
    const level = lower === 'warning' ? 'warn' : lower;
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected one of ${LOG_LEVELS.map((l) => `"${l}"`).join(', ')} (any case)`,
      });
      return z.NEVER;
    }
    return level as LogLevel;
  })
  .meta({ description: 'Log level: trace, debug, info, warn, error, fatal or silent (any case)' });

/** The `monitoring` section: settings the apps read (metrics endpoint, logger, tracing). */
export const monitoringSchema = z.strictObject({
  metrics: z
    .strictObject({
      enabled: z
        .boolean()
        .meta({ description: 'Serve Prometheus metrics (default true when the section is present)' })
        .optional(),
      port: integer(0, 'Port of the metrics server (0 = any free port)', 65_535).optional(),
      path: httpPath('Path of the metrics endpoint (default "/metrics")').optional(),
    })
    .optional(),
  logging: z
    .strictObject({
      level: logLevel.optional(),
      format: z.enum(['json', 'text', 'pretty']).meta({ description: 'json: one object per line (pino)' }).optional(),
      output: z
        .union([z.enum(['stdout', 'stderr']), name('A file path')])
        .meta({ description: '"stdout", "stderr" or a file path' })
        .optional(),
    })
    .optional(),
  tracing: z
    .strictObject({
      enabled: z.boolean().meta({ description: 'Export traces (default true when the section is present)' }).optional(),
      sample_rate: bounded(0, 1, 'Fraction of traces sampled, 0..1').optional(),
      jaeger_endpoint: url(['http:', 'https:'], 'Jaeger collector endpoint').optional(),
      otlp_endpoint: url(['http:', 'https:'], 'OTLP/HTTP collector endpoint').optional(),
      service_name: name('service.name resource attribute').optional(),
    })
    .optional(),
});
