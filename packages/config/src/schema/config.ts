import { z } from 'zod';
import { suggest } from '../suggest.js';
import { circuitBreakerSchema } from './circuit-breaker.js';
import { loadBalancerSchema } from './load-balancer.js';
import { monitoringSchema } from './monitoring.js';
import { redisSchema } from './redis.js';
import { regionsSchema } from './regions.js';

/** The whole config file. */
export const configSchema = z
  .strictObject({
    $schema: z.string().meta({ description: 'Path or URL of the JSON Schema (editor completion); ignored' }).optional(),
    load_balancer: loadBalancerSchema,
    circuit_breaker: circuitBreakerSchema.optional(),
    monitoring: monitoringSchema.optional(),
    regions: regionsSchema.optional(),
    redis: redisSchema.optional(),
  })
  .superRefine((c, ctx) => {
    // Region names are free-form, so a typo would silently leave a region without traffic.
    const regions = c.regions;
    if (regions === undefined) return;
    const known = new Set(c.load_balancer.servers.flatMap((s) => (s.region === undefined ? [] : [s.region])));
    const check = (region: string, path: Array<string | number>): void => {
      if (known.has(region)) return;
      const hint = suggest(region, known);
      const list = known.size > 0 ? [...known].map((r) => `"${r}"`).join(', ') : 'none (set servers[].region)';
      ctx.addIssue({
        code: 'custom',
        path,
        message:
          `expected a region some server is in (${list})` + (hint === undefined ? '' : `; did you mean "${hint}"?`),
      });
    };
    if (regions.local !== undefined) check(regions.local, ['regions', 'local']);
    regions.order?.forEach((r, i) => check(r, ['regions', 'order', i]));
  })
  .meta({
    title: 'Breakwater configuration',
    description: 'Load balancer, circuit breakers, monitoring, regions and Redis for Breakwater',
  });

/** A validated config: durations in ms, percentages 0..100, servers with `id` and `url`. */
export type BreakwaterConfig = z.output<typeof configSchema>;

/** What the file may contain (before durations are parsed). */
export type BreakwaterConfigInput = z.input<typeof configSchema>;
