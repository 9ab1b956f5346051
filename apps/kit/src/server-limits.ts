import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { ConfigError } from '@breakwater/core';

/**
 * Timeouts and caps of an app's HTTP server. Node's own defaults (headersTimeout 60 s,
 * requestTimeout 300 s, checked only every 30 s, no connection cap) let a handful of slow
 * clients hold sockets for minutes; these defaults cut them in seconds.
 */
export interface ServerLimits {
  /** Time to receive the request line and headers. Default 10 000 ms. */
  headersTimeoutMs: number;
  /** Time to receive the whole request (headers and body; not the response). Default 30 000 ms. */
  requestTimeoutMs: number;
  /** Idle time before a kept-alive connection is closed. Default 5 000 ms. */
  keepAliveTimeoutMs: number;
  /** How often Node checks the two timeouts above (they fire up to this much late). Default 1 000 ms. */
  connectionsCheckingIntervalMs: number;
  /** Open connections at most; further ones are closed at once. Default 1 024. */
  maxConnections: number;
  /** Largest request line + headers, bytes (431 above). Default 16 384. */
  maxHeaderBytes: number;
}

/** The defaults of {@link ServerLimits}. */
export const defaultServerLimits: Readonly<ServerLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  connectionsCheckingIntervalMs: 1_000,
  maxConnections: 1_024,
  maxHeaderBytes: 16_384,
});

/** Validates partial limits (ConfigError naming `<path>.<key>`) and fills in the defaults. */
export function resolveServerLimits(
  given: Partial<ServerLimits> | undefined,
  path: string,
  defaults: Readonly<ServerLimits> = defaultServerLimits,
): ServerLimits {
  if (given !== undefined && (typeof given !== 'object' || given === null))
    throw new ConfigError(path, `expected an object of server limits, got ${String(given)}`);
  const out = { ...defaults };
  for (const [k, v] of Object.entries(given ?? {})) {
    if (!(k in defaults))
      throw new ConfigError(
        `${path}.${k}`,
        `unknown server limit; expected one of ${Object.keys(defaults).join(', ')}`,
      );
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 3_600_000) {
      throw new ConfigError(`${path}.${k}`, `expected an integer between 1 and 3600000, got ${JSON.stringify(v)}`);
    }
    out[k as keyof ServerLimits] = v;
  }
  if (out.headersTimeoutMs > out.requestTimeoutMs) {
    throw new ConfigError(
      `${path}.headersTimeoutMs`,
      `expected at most requestTimeoutMs (${out.requestTimeoutMs}), got ${out.headersTimeoutMs}`,
    );
  }
  return out;
}

/** `http.createServer` with {@link ServerLimits} applied. */
export function createLimitedServer(
  limits: ServerLimits,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  extra: ServerOptions = {},
): Server {
  const server = createServer(
    {
      ...extra,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
      maxHeaderSize: limits.maxHeaderBytes,
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}

/** Command-line flags (and environment variables) for the server limits, shared by the apps' CLIs. */
export const serverLimitFlags: ReadonlyArray<{
  flag: string;
  env: string;
  default: string;
  help: string;
  key: keyof ServerLimits;
}> = [
  {
    flag: 'headers-timeout-ms',
    env: 'HEADERS_TIMEOUT_MS',
    default: String(defaultServerLimits.headersTimeoutMs),
    help: 'time to receive request headers before the connection is cut',
    key: 'headersTimeoutMs',
  },
  {
    flag: 'request-timeout-ms',
    env: 'REQUEST_TIMEOUT_MS',
    default: String(defaultServerLimits.requestTimeoutMs),
    help: 'time to receive a whole request (not the response)',
    key: 'requestTimeoutMs',
  },
  {
    flag: 'keep-alive-timeout-ms',
    env: 'KEEP_ALIVE_TIMEOUT_MS',
    default: String(defaultServerLimits.keepAliveTimeoutMs),
    help: 'idle time before a kept-alive connection is closed',
    key: 'keepAliveTimeoutMs',
  },
  {
    flag: 'max-connections',
    env: 'MAX_CONNECTIONS',
    default: String(defaultServerLimits.maxConnections),
    help: 'open connections at most per listener',
    key: 'maxConnections',
  },
];

/** Reads {@link serverLimitFlags} through `get` (flag, then env, then default) and validates them. */
export function serverLimitsFromFlags(get: (flag: string) => string | undefined, path: string): ServerLimits {
  const given: Partial<ServerLimits> = {};
  for (const f of serverLimitFlags) {
    const raw = get(f.flag);
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n))
      throw new ConfigError(
        `${path}.${f.key}`,
        `expected an integer number of ${f.key === 'maxConnections' ? 'connections' : 'ms'}, ` +
          `got ${JSON.stringify(raw)}`,
      );
    given[f.key] = n;
  }
  return resolveServerLimits(given, path);
}
