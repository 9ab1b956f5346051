import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError } from '@breakwater/core';
import { serverLimitFlags, serverLimitsFromFlags, type ServerLimits } from '@breakwater/app-kit';

/** One command-line flag and the environment variable that sets it when the flag is absent. */
export interface FlagSpec {
  flag: string;
  env: string;
  default?: string;
  help: string;
}

/** The replica's flags. deploy/ manifests are checked against this table. */
export const replicaFlags: ReadonlyArray<FlagSpec> = [
  { flag: 'id', env: 'REPLICA_ID', help: 'replica id, e.g. eu-1' },
  { flag: 'region', env: 'REGION', help: 'region name, e.g. eu' },
  { flag: 'host', env: 'HOST', default: '127.0.0.1', help: 'bind address (0.0.0.0 inside containers)' },
  { flag: 'port', env: 'PORT', default: '0', help: 'service port (tRPC, REST, /health)' },
  { flag: 'admin-port', env: 'ADMIN_PORT', default: '0', help: 'admin port (chaos controls, stats)' },
  ...serverLimitFlags.map(({ flag, env, default: d, help }) => ({
    flag,
    env,
    default: d,
    help: `${help} (both listeners)`,
  })),
];

/** Resolved replica configuration. */
export interface ReplicaCliConfig {
  id: string;
  region: string;
  host: string;
  port: number;
  adminPort: number;
  /** From CHAOS_TOKEN (never a flag: argv is visible to every local user); random when unset. */
  token: string;
  tokenGenerated: boolean;
  /** Timeouts and connection cap of both listeners. */
  server: ServerLimits;
}

function port(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`replica.${name}`, `expected an integer port 0..65535, got ${JSON.stringify(v)}`);
  return n;
}

/** Parses argv (flags win over environment variables). */
export function parseReplicaArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ReplicaCliConfig {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(replicaFlags.map((f) => [f.flag, { type: 'string' as const }])),
    strict: true,
  });
  const get = (f: FlagSpec): string | undefined => (values[f.flag] as string | undefined) ?? env[f.env] ?? f.default;
  const spec = (name: string): FlagSpec => replicaFlags.find((f) => f.flag === name) as FlagSpec;
  const id = get(spec('id'));
  const region = get(spec('region'));
  if (!id) throw new ConfigError('replica.id', 'expected --id or REPLICA_ID, got nothing');
  if (!region) throw new ConfigError('replica.region', 'expected --region or REGION, got nothing');
  const token = env['CHAOS_TOKEN'];
  return {
    id,
    region,
    host: get(spec('host')) as string,
    port: port('port', get(spec('port')) as string),
    adminPort: port('adminPort', get(spec('admin-port')) as string),
    token: token || randomBytes(16).toString('hex'),
    tokenGenerated: !token,
    server: serverLimitsFromFlags((flag) => get(spec(flag)), 'replica.server'),
  };
}
