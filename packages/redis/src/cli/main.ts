import { readFileSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import { FleetAdmin } from '../admin.js';
import { parseArgs, redactUrl, USAGE, UsageError, type CliArgs } from './args.js';
import { describeTransition, formatDetails, formatTable } from './format.js';
import { printable, printableJson } from './printable.js';

/** Where the CLI writes (injectable for tests). */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
}

const processIo: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** The CLI's version, from its package.json (one level above src/ and dist/). */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** TLS options from --tls-* files; `{}` (system CAs) for a bare rediss:// URL; undefined for plain TCP. */
function tlsOptions(a: CliArgs): { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  const wanted =
    a.url.startsWith('rediss://') || a.tls.ca !== undefined || a.tls.cert !== undefined || a.tls.key !== undefined;
  if (!wanted) return undefined;
  const read = (flag: string, file: string | undefined): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (e) {
      throw new Error(`${flag}: cannot read "${printable(file)}" (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  const ca = read('--tls-ca', a.tls.ca);
  const cert = read('--tls-cert', a.tls.cert);
  const key = read('--tls-key', a.tls.key);
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  return out;
}

function connect(a: CliArgs): Redis | Cluster {
  const base = { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1, enableOfflineQueue: true } as const;
  const u = new URL(a.url);
  const auth = {
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
  };
  const tls = tlsOptions(a);
  if (a.cluster) {
    return new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
      lazyConnect: true,
      clusterRetryStrategy: () => null,
      // The nodes' TLS certificates name the hosts in CLUSTER SLOTS: no DNS re-resolution of them.
      ...(tls === undefined
        ? {}
        : { dnsLookup: (address: string, cb: (err: Error | null, address: string) => void) => cb(null, address) }),
      redisOptions: { ...base, ...auth, ...(tls === undefined ? {} : { tls }) },
    });
  }
  if (a.sentinel !== undefined) {
    return new Redis({
      ...base,
      ...auth,
      sentinels: a.sentinel.nodes.map((n) => ({ host: n.host, port: n.port })),
      name: a.sentinel.name,
      sentinelRetryStrategy: () => null,
      ...(tls === undefined ? {} : { tls, enableTLSForSentinelMode: true }),
    });
  }
  return new Redis(a.url, { ...base, retryStrategy: () => null, ...(tls === undefined ? {} : { tls }) });
}

/** Runs the CLI; resolves with the exit code (0 ok, 1 failure, 2 usage). */
export async function runCli(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
  io: CliIo = processIo,
): Promise<number> {
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
  if (a.command === 'version') {
    io.out(`breakwater-redis ${version()}\n`);
    return 0;
  }
  let redis: Redis | Cluster;
  try {
    redis = connect(a);
  } catch (e) {
    io.err(`breakwater-redis: ${printable(e instanceof Error ? e.message : String(e))}\n`);
    return 1;
  }
  let lastError: unknown;
  redis.on('error', (e: unknown) => {
    lastError = e;
  }); // reported with the failing step below
  try {
    try {
      await redis.connect();
    } catch (e) {
      const cause = lastError instanceof Error ? lastError.message : e instanceof Error ? e.message : String(e);
      throw new Error(`cannot connect (${cause})`);
    }
    const admin = new FleetAdmin(redis, a.prefix, undefined, a.secret === undefined ? {} : { secret: a.secret });
    const name = a.name!;
    const shown = printable(name ?? '');
    // A write without the secret over a signed record: replicas with the secret will ignore it.
    const unsignedOverSigned = async (): Promise<boolean> =>
      !admin.signing && (await admin.details(name)).record['mac'] !== undefined;
    const warnUnsigned = (): void =>
      io.err(
        `breakwater-redis: "${shown}" holds a signed record: replicas with a secret ignore this unsigned write ` +
          '(they keep their local state); pass --secret or set BW_REDIS_SECRET to change the fleet\n',
      );
    switch (a.command) {
      case 'list': {
        const list = await admin.list();
        io.out(a.json ? `${printableJson(list, 2)}\n` : formatTable(list));
        return 0;
      }
      case 'inspect': {
        const d = await admin.details(name);
        io.out(a.json ? `${printableJson(d, 2)}\n` : formatDetails(d));
        return d.registered || d.info.state !== 'unknown' ? 0 : 1;
      }
      case 'isolate': {
        if (!a.force && !(await admin.isRegistered(name))) {
          io.err(
            `breakwater-redis: no replica has registered a breaker "${shown}" under prefix "${printable(a.prefix)}"; ` +
              'check the name (breakwater-redis list) or pass --force to isolate it anyway\n',
          );
          return 1;
        }
        const unsigned = await unsignedOverSigned();
        const info = await admin.isolate(name);
        if (unsigned) warnUnsigned();
        io.out(
          a.json ? `${printableJson(info)}\n` : `isolated "${shown}" fleet-wide (generation ${info.generation})\n`,
        );
        return unsigned ? 1 : 0;
      }
      case 'release': {
        const unsigned = await unsignedOverSigned();
        const { changed, info } = await admin.release(name);
        if (unsigned) warnUnsigned();
        if (a.json) io.out(`${printableJson({ changed, ...info })}\n`);
        else
          io.out(
            changed
              ? `released "${shown}" (generation ${info.generation}); replicas close it now\n`
              : `"${shown}" is not isolated (state ${info.state}); nothing to release\n`,
          );
        return unsigned ? 1 : 0;
      }
      case 'reset': {
        const unsigned = await unsignedOverSigned();
        const info = await admin.reset(name);
        io.out(
          a.json
            ? `${printableJson(info)}\n`
            : `reset "${shown}" to closed fleet-wide (generation ${info.generation}; ${describeTransition(info)})\n`,
        );
        if (unsigned) warnUnsigned();
        return unsigned ? 1 : 0;
      }
      case 'forget': {
        const { existed } = await admin.forget(name);
        if (a.json) io.out(`${printableJson({ forgotten: existed })}\n`);
        else
          io.out(
            existed
              ? `forgot "${shown}": its keys and registry entry are deleted\n`
              : `"${shown}" was not known under this prefix; nothing to forget\n`,
          );
        return existed ? 0 : 1;
      }
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    io.err(
      `breakwater-redis: ${a.command} failed against ${printable(redactUrl(a.url))}: ` +
        `${printable(redactSecrets(msg.split(a.url).join(redactUrl(a.url)), a.url))}\n`,
    );
    return 1;
  } finally {
    redis.disconnect();
  }
  return 1;
}

/** Removes the URL's password from an error message (ioredis quotes AUTH arguments in some errors). */
function redactSecrets(message: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return message;
  }
  return password === '' ? message : message.split(password).join('***');
}
