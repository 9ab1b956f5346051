import { printable } from './printable.js';

/** A parsed `breakwater-redis` command line. */
export interface CliArgs {
  readonly url: string;
  readonly prefix: string;
  readonly cluster: boolean;
  readonly json: boolean;
  /** `isolate` a name no replica registered (an operator's typo must not look like success). */
  readonly force: boolean;
  readonly command: 'list' | 'inspect' | 'isolate' | 'release' | 'reset' | 'forget' | 'help' | 'version';
  readonly name: string | undefined;
  /** PEM files for TLS (`rediss://`): CA to trust, client certificate and key. */
  readonly tls: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  /**
   * The stores' secret(s) (`--secret`, repeatable for rotation; else `$BW_REDIS_SECRET`): writes
   * are signed, reads verified.
   */
  readonly secret: readonly string[] | undefined;
  /** Sentinel mode: sentinel addresses and the master group name. */
  readonly sentinel:
    { readonly nodes: ReadonlyArray<{ host: string; port: number }>; readonly name: string } | undefined;
}

/** A command line that cannot run; the message says what is wrong. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Usage text of the CLI. */
export const USAGE = `Usage: breakwater-redis [options] <command> [name]

Fleet-wide control of circuit breakers shared through Redis (@breakwater/redis).

Commands:
  list              breakers with state, generation, votes, probe holder and last transition
  inspect <name>    everything Redis holds about one breaker: record, generation, votes, lease
  isolate <name>    force the breaker open on every replica until released
                    (refused for a name no replica registered, unless --force)
  release <name>    end a fleet isolation
  reset <name>      force the breaker closed on every replica (clears votes, probe lease, counts)
  forget <name>     delete a breaker's keys and registry entry (names no replica uses any more)

Options:
  --url <url>       Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379); rediss:// for TLS
  --prefix <p>      key prefix the replicas use (default: bw)
  --cluster         treat --url as a Redis Cluster startup node
  --sentinel <h:p,...>  connect through these Sentinels (with --name); credentials from --url
  --name <master>   the Sentinel master group name (default: mymaster)
  --tls-ca <file>   PEM CA bundle to trust (implies TLS)
  --tls-cert <file> PEM client certificate (mutual TLS)
  --tls-key <file>  PEM client key (mutual TLS)
  --secret <key>    the stores' secret (default: $BW_REDIS_SECRET): sign writes so replicas adopt
                    them, flag records without a valid MAC; repeat during a key rotation
  --force           isolate a name no replica has registered
  --json            machine-readable output
  --version         the CLI's version
  -h, --help        this text
`;

const COMMANDS = new Set(['list', 'inspect', 'isolate', 'release', 'reset', 'forget', 'help', 'version']);

/** Parses argv (without node and script); throws UsageError. */
export function parseArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): CliArgs {
  let url = env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  let prefix = 'bw';
  let cluster = false;
  let json = false;
  let force = false;
  let sentinelList: string | undefined;
  let masterName: string | undefined;
  const tls: { ca?: string; cert?: string; key?: string } = {};
  const secrets: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (flag: string): string => {
      const eq = a.indexOf('=');
      if (eq > 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const is = (flag: string): boolean => a === flag || a.startsWith(`${flag}=`);
    if (is('--url')) url = value('--url');
    else if (is('--prefix')) prefix = value('--prefix');
    else if (is('--sentinel')) sentinelList = value('--sentinel');
    else if (is('--name')) masterName = value('--name');
    else if (is('--secret')) secrets.push(value('--secret'));
    else if (is('--tls-ca')) tls.ca = value('--tls-ca');
    else if (is('--tls-cert')) tls.cert = value('--tls-cert');
    else if (is('--tls-key')) tls.key = value('--tls-key');
    else if (a === '--cluster') cluster = true;
    else if (a === '--json') json = true;
    else if (a === '--force') force = true;
    else if (a === '--version' || a === '-v') positional.unshift('version');
    else if (a === '-h' || a === '--help') positional.unshift('help');
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else positional.push(a);
  }
  const [command, name, ...rest] = positional;
  const envSecret = env['BW_REDIS_SECRET'];
  const secret = secrets.length > 0 ? secrets : envSecret !== undefined && envSecret !== '' ? [envSecret] : undefined;
  if (secrets.some((k) => k === '')) throw new UsageError('--secret must not be empty');
  const base = { url, prefix, cluster, json, force, tls, secret, sentinel: undefined, name: undefined };
  if (command === undefined) throw new UsageError('missing command (list, inspect, isolate, release, reset or forget)');
  if (!COMMANDS.has(command))
    throw new UsageError(
      `unknown command "${printable(command)}" (expected list, inspect, isolate, release, reset or forget)`,
    );
  if (command === 'help' || command === 'version') return { ...base, command };
  const needsName = command !== 'list';
  if (needsName && (name === undefined || name === ''))
    throw new UsageError(`${command} needs a breaker name: breakwater-redis ${command} <name>`);
  if (!needsName && name !== undefined) throw new UsageError(`list takes no name (got "${printable(name)}")`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${printable(rest[0]!)}"`);
  if (!/^rediss?:\/\//.test(url))
    throw new UsageError(`--url must look like redis://host:port, got "${printable(redactUrl(url))}"`);
  if (prefix === '' || /[{}\s]/.test(prefix))
    throw new UsageError(`--prefix must be non-empty without braces or whitespace, got "${printable(prefix)}"`);
  if (force && command !== 'isolate') throw new UsageError('--force only applies to isolate');
  if (masterName !== undefined && sentinelList === undefined)
    throw new UsageError('--name needs --sentinel host:port,...');
  let sentinel: CliArgs['sentinel'];
  if (sentinelList !== undefined) {
    if (cluster) throw new UsageError('--sentinel and --cluster exclude each other');
    const nodes = sentinelList.split(',').map((hp) => {
      const m = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(hp.trim());
      const port = m === null ? NaN : Number(m[2]);
      if (m === null || !(port >= 1 && port <= 65_535))
        throw new UsageError(`--sentinel expects host:port[,host:port...], got "${printable(hp)}"`);
      return { host: m[1]!, port };
    });
    sentinel = { nodes, name: masterName ?? 'mymaster' };
  }
  return { ...base, sentinel, command: command as CliArgs['command'], name };
}

/** The URL without credentials, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
