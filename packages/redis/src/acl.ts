import { eventsChannel, registryKey } from './keys.js';

/** A key or channel name as a literal inside a Redis ACL glob pattern. */
function globLiteral(s: string): string {
  return s.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}

/**
 * The ACL rules a Redis user needs to run a {@link RedisBreakerStore} (and the `breakwater-redis`
 * CLI) under `prefix`, and nothing more: the prefix's keys (`{prefix:<name>}…`, the registry
 * `{prefix}:…`) and channel (`prefix:…`); reads, writes, pub/sub, scripts and connection commands;
 * no dangerous or admin commands (FLUSHALL, CONFIG, KEYS, DEBUG, SHUTDOWN, SCRIPT FLUSH/KILL, …).
 * `CLUSTER SLOTS`/`SHARDS`/`NODES` and `INFO` are allowed for Cluster and Sentinel clients.
 *
 * Use it as `ACL SETUSER breakwater on >PASSWORD ${storeAclRules('bw').join(' ')}`, or as the
 * `--user breakwater on >PASSWORD …` line of redis-server (deploy/compose.yaml does). The rules
 * start with `resetkeys`/`resetchannels` and `-@all`, so applying them to an existing user
 * replaces what it had.
 */
export function storeAclRules(prefix = 'bw'): string[] {
  const tag = globLiteral(prefix);
  const registry = globLiteral(registryKey(prefix).slice(0, -'breakers'.length));
  const channel = globLiteral(eventsChannel(prefix).slice(0, -'events'.length));
  return [
    'resetkeys',
    `~{${tag}:*`,
    `~${registry}*`,
    'resetchannels',
    `&${channel}*`,
    '-@all',
    '+@connection',
    '+@read',
    '+@write',
    '+@pubsub',
    '+@scripting',
    '+@keyspace',
    '-@dangerous',
    '-script|flush',
    '-script|kill',
    '+time',
    '+info',
    '+cluster|slots',
    '+cluster|shards',
    '+cluster|nodes',
  ];
}
