/**
 * The ioredis the integration tests connect with: 5 by default, 6 with `BW_IOREDIS=6` (the
 * `ioredis6` npm alias). The store duplicates the caller's connection, so every connection of a
 * test then runs on that major. Typed as ioredis 5: the APIs the tests use are the same.
 */
import * as v5 from 'ioredis';
import * as v6 from 'ioredis6';

/** Which ioredis major the tests use. */
export const ioredisMajor: 5 | 6 = process.env['BW_IOREDIS'] === '6' ? 6 : 5;

/** `Redis` of the selected major. */
export const Redis = (ioredisMajor === 6 ? v6.Redis : v5.Redis) as unknown as typeof v5.Redis;
/** `Cluster` of the selected major. */
export const Cluster = (ioredisMajor === 6 ? v6.Cluster : v5.Cluster) as unknown as typeof v5.Cluster;
export type Redis = v5.Redis;
export type Cluster = v5.Cluster;
