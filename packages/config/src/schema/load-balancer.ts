import { z } from 'zod';
import { bounded, duration, httpPath, integer, name, percentage, url } from './fields.js';

/** Balancing algorithm names accepted in `load_balancer.algorithm`. */
export const ALGORITHMS = [
  'round_robin',
  'weighted_round_robin',
  'least_connections',
  'weighted_least_connections',
  'p2c_ewma',
  'consistent_hash',
  'adaptive',
] as const;

/** One `load_balancer.servers[]` entry: `host` + `port`, or `url`. */
export const serverSchema = z
  .strictObject({
    id: name('Endpoint id; defaults to "host:port" (never includes credentials)').optional(),
    host: z
      .string()
      .regex(/^[A-Za-z0-9.\-_[\]:]+$/, { error: 'expected a host name or IP address (like "backend1.example.com")' })
      .meta({ description: 'Host name or IP; combined with port into http://host:port' })
      .optional(),
    port: integer(1, 'TCP port', 65_535).optional(),
    scheme: z.enum(['http', 'https']).meta({ description: 'Scheme used with host/port (default http)' }).optional(),
    url: url(['http:', 'https:'], 'Base URL, instead of host/port').optional(),
    weight: z.number().positive().max(1_000_000).meta({ description: 'Relative weight (> 0, default 1)' }).optional(),
    max_connections: integer(1, 'Most calls in flight to this server').optional(),
    region: name('Region this server lives in (see the regions section)').optional(),
    zone: name('Availability zone').optional(),
    backup: z.boolean().meta({ description: 'Only used when no primary server is healthy' }).optional(),
    metadata: z
      .record(z.string(), z.unknown())
      .meta({ description: 'Free-form data handed to strategies and adapters' })
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (s.url === undefined && s.host === undefined) {
      ctx.addIssue({ code: 'custom', path: ['host'], message: 'expected "host" (with "port") or "url"' });
    }
    if (s.url !== undefined && (s.host !== undefined || s.port !== undefined || s.scheme !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'expected either "url" or "host"/"port"/"scheme", not both',
      });
    }
  })
  .transform((s, ctx) => {
    const scheme = s.scheme ?? 'http';
    const host = s.host !== undefined && s.host.includes(':') && !s.host.startsWith('[') ? `[${s.host}]` : s.host;
    let base: URL;
    try {
      base =
        s.url !== undefined
          ? new URL(s.url)
          : new URL(`${scheme}://${host}${s.port === undefined ? '' : `:${s.port}`}`);
    } catch {
      ctx.addIssue({
        code: 'custom',
        path: [s.url !== undefined ? 'url' : 'host'],
        message: 'expected a valid host name or IP address',
      });
      return z.NEVER;
    }
    // The id and the normalized URL never carry credentials: ids end up in metric labels and logs.
    const id = s.id ?? base.host;
    const href = s.url !== undefined ? s.url.replace(/\/+$/, '') : base.origin;
    return {
      id,
      url: href,
      host: base.hostname,
      port: base.port === '' ? (base.protocol === 'https:' ? 443 : 80) : Number(base.port),
      weight: s.weight ?? 1,
      max_connections: s.max_connections,
      region: s.region,
      zone: s.zone,
      backup: s.backup ?? false,
      metadata: s.metadata,
    };
  });

/** `load_balancer.health_check`. */
export const healthCheckSchema = z.strictObject({
  enabled: z.boolean().meta({ description: 'Active health checks on (default true)' }).optional(),
  interval: duration('Time between checks of one server').optional(),
  timeout: duration('Timeout of one check').optional(),
  healthy_threshold: integer(1, 'Consecutive passes that mark a server healthy').optional(),
  unhealthy_threshold: integer(1, 'Consecutive failures that mark a server unhealthy').optional(),
  path: httpPath('Path requested on each server (GET, 2xx = healthy)').optional(),
});

/** `load_balancer.session_affinity`. */
export const sessionAffinitySchema = z
  .strictObject({
    enabled: z
      .boolean()
      .meta({ description: 'Sticky sessions on (default true when the section is present)' })
      .optional(),
    method: z.enum(['cookie', 'header']).meta({ description: 'Where the affinity key comes from' }),
    cookie_name: name('Cookie whose value is hashed (method cookie)').optional(),
    header_name: name('Header whose value is hashed (method header)').optional(),
  })
  .superRefine((a, ctx) => {
    if (a.enabled === false) return;
    if (a.method === 'cookie' && a.cookie_name === undefined)
      ctx.addIssue({ code: 'custom', path: ['cookie_name'], message: 'expected a cookie name (method is "cookie")' });
    if (a.method === 'header' && a.header_name === undefined)
      ctx.addIssue({ code: 'custom', path: ['header_name'], message: 'expected a header name (method is "header")' });
  });

/** `load_balancer.outlier_detection` (passive health). */
export const outlierDetectionSchema = z.strictObject({
  consecutive_failures: integer(1, 'Consecutive failures that eject a server (default 5)').optional(),
  base_ejection_time: duration('First ejection length; grows with each ejection (default 30s)').optional(),
  max_ejection_percent: percentage('Most servers ejected at once (default 50)').optional(),
});

/** `load_balancer.consistent_hash` tuning. */
export const consistentHashSchema = z.strictObject({
  algorithm: z.enum(['ring', 'maglev']).meta({ description: 'Hash table kind' }).optional(),
  bounded_load: bounded(
    1,
    100,
    'Bounded-load factor (like 1.25); no server gets more than this × the average',
  ).optional(),
});

/** The `load_balancer` section. */
export const loadBalancerSchema = z
  .strictObject({
    name: name('Balancer name; endpoint breakers are named "<name>/<server id>" (default "default")').optional(),
    algorithm: z.enum(ALGORITHMS).meta({ description: 'Balancing algorithm (default p2c_ewma)' }).optional(),
    consistent_hash: consistentHashSchema.optional(),
    health_check: healthCheckSchema.optional(),
    outlier_detection: outlierDetectionSchema.optional(),
    session_affinity: sessionAffinitySchema.optional(),
    endpoint_breakers: z
      .boolean()
      .meta({ description: 'One breaker per server with the circuit_breaker defaults (default true)' })
      .optional(),
    servers: z.array(serverSchema).min(1).meta({ description: 'Upstream servers' }),
  })
  .superRefine((lb, ctx) => {
    const seen = new Map<string, number>();
    lb.servers.forEach((s, i) => {
      const first = seen.get(s.id);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['servers', i, 'id'],
          message: `expected a unique server id; "${s.id}" is also servers[${first}]`,
        });
      else seen.set(s.id, i);
    });
  });
