import { Cluster, Redis } from 'ioredis';
import { FleetAdmin } from '../admin.js';
import { parseArgs, redactUrl, USAGE, UsageError, type CliArgs } from './args.js';
import { describeTransition, formatTable } from './format.js';

/** Where the CLI writes (injectable for tests). */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
}

const processIo: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

function connect(a: CliArgs): Redis | Cluster {
  const base = { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1, enableOfflineQueue: true } as const;
  if (a.cluster) {
    const u = new URL(a.url);
    return new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
      lazyConnect: true,
      clusterRetryStrategy: () => null,
      redisOptions: { ...base, ...(u.password ? { password: decodeURIComponent(u.password) } : {}), ...(u.username ? { username: decodeURIComponent(u.username) } : {}) },
    });
  }
  return new Redis(a.url, { ...base, retryStrategy: () => null });
}

/** Runs the CLI; resolves with the exit code (0 ok, 1 failure, 2 usage). */
export async function runCli(argv: readonly string[], env: Record<string, string | undefined> = process.env, io: CliIo = processIo): Promise<number> {
  let a: CliArgs;
  try {
    a = parseArgs(argv, env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`breakwater-redis: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (a.command === 'help') {
    io.out(USAGE);
    return 0;
  }
  const redis = connect(a);
  let lastError: unknown;
  redis.on('error', (e: unknown) => { lastError = e; }); // reported with the failing step below
  try {
    try {
      await redis.connect();
    } catch (e) {
      const cause = lastError instanceof Error ? lastError.message : e instanceof Error ? e.message : String(e);
      throw new Error(`cannot connect (${cause})`);
    }
    const admin = new FleetAdmin(redis, a.prefix);
    const name = a.name!;
    switch (a.command) {
      case 'list': {
        const list = await admin.list();
        io.out(a.json ? `${JSON.stringify(list, null, 2)}\n` : formatTable(list));
        return 0;
      }
      case 'isolate': {
        const info = await admin.isolate(name);
        io.out(a.json ? `${JSON.stringify(info)}\n` : `isolated "${name}" fleet-wide (generation ${info.generation})\n`);
        return 0;
      }
      case 'release': {
        const { changed, info } = await admin.release(name);
        if (a.json) io.out(`${JSON.stringify({ changed, ...info })}\n`);
        else io.out(changed ? `released "${name}" (generation ${info.generation}); replicas close it now\n`
          : `"${name}" is not isolated (state ${info.state}); nothing to release\n`);
        return 0;
      }
      case 'reset': {
        const info = await admin.reset(name);
        io.out(a.json ? `${JSON.stringify(info)}\n` : `reset "${name}" to closed fleet-wide (generation ${info.generation}; ${describeTransition(info)})\n`);
        return 0;
      }
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`breakwater-redis: ${a.command} failed against ${redactUrl(a.url)}: ${msg.split(a.url).join(redactUrl(a.url))}\n`);
    return 1;
  } finally {
    redis.disconnect();
  }
  return 1;
}
