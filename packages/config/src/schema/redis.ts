import { z } from 'zod';
import { duration, integer, name, url } from './fields.js';

/**
 * The `redis` section: shared breaker state. The config package only validates it; the app creates
 * the `RedisBreakerStore` (package @breakwater/redis) from it and passes it to `buildFromConfig`.
 * The URL may hold a password and `secret` is a key, so neither is ever echoed in error messages.
 */
/** One HMAC key of `secret` (its value is never shown: the key name looks secret). */
const secretKey = z.string().min(1);

export const redisSchema = z.strictObject({
  url: url(['redis:', 'rediss:'], 'Redis URL (redis:// or rediss://)'),
  prefix: name('Key prefix (default "bw")').optional(),
  mode: z
    .enum(['state', 'aggregate'])
    .meta({ description: 'state: replicas publish transitions; aggregate: fleet-wide counts' })
    .optional(),
  quorum: integer(1, 'Replicas that must trip on their own before the fleet opens (state mode)').optional(),
  flush_interval: duration('How often counts are flushed (aggregate mode)', 1).optional(),
  command_timeout: duration('Timeout of one Redis command', 1).optional(),
  cluster: z.boolean().meta({ description: 'Connect as a Redis Cluster client' }).optional(),
  secret: z
    .union([secretKey, z.array(secretKey).min(1).max(8)])
    .meta({
      description:
        'Authenticates shared records and messages (HMAC); a list rotates keys. ' +
        'Give it as ${ENV}, never in the file; never echoed in errors',
    })
    .optional(),
});
