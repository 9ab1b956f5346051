/** A parsed `breakwater-redis` command line. */
export interface CliArgs {
  readonly url: string;
  readonly prefix: string;
  readonly cluster: boolean;
  readonly json: boolean;
  readonly command: 'list' | 'isolate' | 'release' | 'reset' | 'help';
  readonly name: string | undefined;
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
  isolate <name>    force the breaker open on every replica until released
  release <name>    end a fleet isolation
  reset <name>      force the breaker closed on every replica (clears votes, probe lease, counts)

Options:
  --url <url>       Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)
  --prefix <p>      key prefix the replicas use (default: bw)
  --cluster         treat --url as a Redis Cluster startup node
  --json            machine-readable output
  -h, --help        this text
`;

const COMMANDS = new Set(['list', 'isolate', 'release', 'reset', 'help']);

/** Parses argv (without node and script); throws UsageError. */
export function parseArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): CliArgs {
  let url = env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  let prefix = 'bw';
  let cluster = false;
  let json = false;
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
    if (a === '--url' || a.startsWith('--url=')) url = value('--url');
    else if (a === '--prefix' || a.startsWith('--prefix=')) prefix = value('--prefix');
    else if (a === '--cluster') cluster = true;
    else if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') positional.unshift('help');
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else positional.push(a);
  }
  const [command, name, ...rest] = positional;
  if (command === undefined) throw new UsageError('missing command (list, isolate, release or reset)');
  if (!COMMANDS.has(command)) throw new UsageError(`unknown command "${command}" (expected list, isolate, release or reset)`);
  if (command === 'help') return { url, prefix, cluster, json, command: 'help', name: undefined };
  const needsName = command !== 'list';
  if (needsName && (name === undefined || name === '')) throw new UsageError(`${command} needs a breaker name: breakwater-redis ${command} <name>`);
  if (!needsName && name !== undefined) throw new UsageError(`list takes no name (got "${name}")`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]!}"`);
  if (!/^rediss?:\/\//.test(url)) throw new UsageError(`--url must look like redis://host:port, got "${redactUrl(url)}"`);
  if (prefix === '' || /[{}\s]/.test(prefix)) throw new UsageError(`--prefix must be non-empty without braces or whitespace, got "${prefix}"`);
  return { url, prefix, cluster, json, command: command as CliArgs['command'], name };
}

/** The URL without credentials, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
