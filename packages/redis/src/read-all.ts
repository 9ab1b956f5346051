import { isCluster, type AnyRedis, type ScriptCommands, type ScriptPipeline } from './connections.js';
import type { BreakerGroup } from './breaker-group.js';
import type { ResolvedStoreOptions } from './options.js';
import { parseScriptReply, type ScriptReply } from './records.js';
import { REGISTRY_RETENTION_MS, type Registry } from './registry.js';

/** What a resync read needs from its store. */
export interface ReadDeps {
  readonly cmd: AnyRedis;
  readonly options: ResolvedStoreOptions;
  readonly scripts: ScriptCommands;
  /** The store's guarded command runner; `ms` bounds a pipeline of many commands. */
  run<T>(op: () => Promise<T>, ms?: number): Promise<T>;
  healthyConnection(): boolean;
  countCommands(n: number): void;
  /** One breaker's read failed with a data error (e.g. a key of the wrong type). */
  dataError(e: unknown): void;
}

/**
 * Reads every given breaker (and refreshes the registry the CLI lists) in one round trip: one
 * pipeline on a standalone Redis, one command per breaker sent together on a Cluster. One reply per
 * group; undefined where that breaker's read failed. A failed registry write is retried by `registry`.
 */
export async function readAll(
  d: ReadDeps,
  groups: readonly BreakerGroup[],
  registry: Registry,
): Promise<Array<ScriptReply | undefined>> {
  const ttl = d.options.keyTtlMs;
  const reg = registry.key;
  const now = Date.now();
  const names = groups.map((g) => g.name);
  if (groups.length === 0) return [];
  if (isCluster(d.cmd)) {
    // Keys of different breakers live on different slots: one command each, sent together.
    const reads = groups.map((g) =>
      d
        .run(() => d.scripts.bwRead(g.keys.state, g.keys.votes, g.keys.probe, ttl))
        .then(parseScriptReply, (e: unknown) => {
          if (!d.healthyConnection()) throw e;
          return undefined;
        }),
    );
    registry.write(names);
    return Promise.all(reads);
  }
  return d.run(
    async () => {
      const p = d.cmd.pipeline() as unknown as ScriptPipeline;
      for (const g of groups) p.bwRead(g.keys.state, g.keys.votes, g.keys.probe, ttl);
      p.zadd(reg, ...names.flatMap((n) => [now, n]));
      p.pexpire(reg, REGISTRY_RETENTION_MS);
      p.zremrangebyscore(reg, '-inf', now - REGISTRY_RETENTION_MS);
      const res = (await p.exec()) ?? [];
      d.countCommands(Math.max(0, res.length - 1));
      const registered = res[groups.length]?.[0];
      if (registered !== null && registered !== undefined) registry.pipelineFailed(names, registered);
      return groups.map((_, i) => {
        const [err, value] = res[i] ?? [new Error('missing pipeline reply'), undefined];
        if (err === null) return parseScriptReply(value);
        d.dataError(err); // one bad key must not stop the others from syncing
        return undefined;
      });
    },
    d.options.commandTimeoutMs * Math.ceil((groups.length + 1) / 200),
  );
}
