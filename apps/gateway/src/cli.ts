import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError, type Endpoint } from '@breakwater/core';
import { serverLimitFlags, serverLimitsFromFlags, type ServerLimits } from '@breakwater/app-kit';

/** One command-line flag and the environment variable used when the flag is absent. */
export interface FlagSpec {
  flag: string;
  env: string;
  default?: string;
  help: string;
}

/** The gateway's flags. deploy/ manifests are checked against this table. */
export const gatewayFlags: ReadonlyArray<FlagSpec> = [
  {
    flag: 'id',
    env: 'GATEWAY_ID',
    default: 'gw',
    help: 'pod id; comma-separated ids run several pods in one process over an in-memory store',
  },
  { flag: 'host', env: 'HOST', default: '127.0.0.1', help: 'bind address (0.0.0.0 inside containers)' },
  {
    flag: 'port',
    env: 'PORT',
    default: '0',
    help: 'HTTP port (L7 routes, /metrics, /state, /events); comma-separated with several ids',
  },
  {
    flag: 'l4-port',
    env: 'L4_PORT',
    help: 'also balance raw TCP connections on this port (L4 mode); comma-separated with several ids',
  },
  { flag: 'replicas', env: 'REPLICAS', help: 'upstreams: id@region=url,... e.g. eu-1@eu=http://10.0.0.1:8080' },
  { flag: 'regions', env: 'REGIONS', help: 'failover order, primary first, e.g. eu,us' },
  {
    flag: 'redis-url',
    env: 'REDIS_URL',
    help: 'share breaker state through Redis; without it pods in this process share an in-memory store',
  },
  { flag: 'redis-prefix', env: 'REDIS_PREFIX', default: 'bw', help: 'Redis key prefix' },
  { flag: 'health-interval-ms', env: 'HEALTH_INTERVAL_MS', default: '500', help: 'active health-check interval' },
  { flag: 'otel', env: 'OTEL_CONSOLE', default: 'false', help: 'print OpenTelemetry spans to stdout (true/false)' },
  { flag: 'log-level', env: 'LOG_LEVEL', default: 'info', help: 'pino log level' },
  ...serverLimitFlags.map(({ flag, env, default: d, help }) => ({
    flag,
    env,
    default: d,
    help: `${help} (HTTP and L4 listeners)`,
  })),
];

/** Resolved gateway configuration for one process. */
export interface GatewayCliConfig {
  ids: string[];
  host: string;
  ports: number[];
  l4Ports: number[] | undefined;
  replicas: Endpoint[];
  regions: string[];
  redisUrl: string | undefined;
  redisPrefix: string;
  /**
   * From BW_REDIS_SECRET (then BW_REDIS_SECRET_PREVIOUS during a key rotation): the store's
   * `secret`, which authenticates shared records and messages. Environment only: a flag would show
   * it in the process list. Undefined when unset.
   */
  redisSecret: string[] | undefined;
  healthIntervalMs: number;
  otel: boolean;
  logLevel: string;
  /** From CHAOS_TOKEN (admin endpoints); random when unset. */
  token: string;
  /** Timeouts and connection cap of the listeners. */
  server: ServerLimits;
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function ports(name: string, v: string, count: number): number[] {
  const out = list(v).map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new ConfigError(`gateway.${name}`, `expected integer ports 0..65535, got ${JSON.stringify(v)}`);
    return n;
  });
  if (out.length === 1 && count > 1 && out[0] === 0) return new Array<number>(count).fill(0);
  if (out.length !== count)
    throw new ConfigError(
      `gateway.${name}`,
      `expected ${count} comma-separated ports (one per id), got ${JSON.stringify(v)}`,
    );
  return out;
}

/** Parses `id@region=url,...` into endpoints. */
export function parseReplicaList(spec: string): Endpoint[] {
  const out: Endpoint[] = [];
  list(spec).forEach((item, i) => {
    const m = /^([A-Za-z0-9_.-]+)@([A-Za-z0-9_.-]+)=(https?:\/\/[^\s,]+)$/.exec(item);
    if (!m)
      throw new ConfigError(
        `gateway.replicas[${i}]`,
        `expected id@region=http://host:port, got ${JSON.stringify(item)}`,
      );
    out.push({ id: m[1] as string, region: m[2] as string, url: (m[3] as string).replace(/\/$/, '') });
  });
  if (out.length === 0)
    throw new ConfigError(
      'gateway.replicas',
      'expected at least one replica like eu-1@eu=http://127.0.0.1:8080, got none',
    );
  return out;
}

/** Parses argv (flags win over environment variables). */
export function parseGatewayArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): GatewayCliConfig {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(gatewayFlags.map((f) => [f.flag, { type: 'string' as const }])),
    strict: true,
  });
  const get = (flag: string): string | undefined => {
    const f = gatewayFlags.find((x) => x.flag === flag) as FlagSpec;
    return (values[flag] as string | undefined) ?? env[f.env] ?? f.default;
  };
  const ids = list(get('id') as string);
  const replicas = parseReplicaList(get('replicas') ?? '');
  const known = [...new Set(replicas.map((r) => r.region as string))];
  const regions = get('regions') ? list(get('regions') as string) : known;
  for (const r of known)
    if (!regions.includes(r))
      throw new ConfigError(
        'gateway.regions',
        `expected the failover order to list every replica region; "${r}" is missing from ${JSON.stringify(regions)}`,
      );
  const interval = Number(get('health-interval-ms'));
  if (!Number.isInteger(interval) || interval < 50)
    throw new ConfigError(
      'gateway.healthIntervalMs',
      `expected an integer ≥ 50, got ${JSON.stringify(get('health-interval-ms'))}`,
    );
  const redisUrl = get('redis-url') || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl))
    throw new ConfigError('gateway.redisUrl', 'expected redis://host:port or rediss://…, got something else');
  const l4 = get('l4-port');
  const token = env['CHAOS_TOKEN'];
  const secrets = [env['BW_REDIS_SECRET'], env['BW_REDIS_SECRET_PREVIOUS']].filter(
    (k): k is string => k !== undefined && k !== '',
  );
  return {
    ids,
    host: get('host') as string,
    ports: ports('port', get('port') as string, ids.length),
    l4Ports: l4 ? ports('l4Port', l4, ids.length) : undefined,
    replicas,
    regions,
    redisUrl,
    redisPrefix: get('redis-prefix') as string,
    redisSecret: secrets.length > 0 ? secrets : undefined,
    healthIntervalMs: interval,
    otel: /^(1|true|yes)$/i.test(get('otel') as string),
    logLevel: get('log-level') as string,
    token: token || randomBytes(16).toString('hex'),
    server: serverLimitsFromFlags(get, 'gateway.server'),
  };
}
