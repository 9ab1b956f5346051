import type { ResolvedStoreOptions } from './options.js';
/**
 * What the store does with the errors it absorbs: redacts credentials, tells configuration errors
 * (wrong password, missing ACL permissions) from passing trouble, and makes sure a misconfigured
 * store is never silent — one `process.emitWarning` when nobody listens through `onError`.
 */

const CREDENTIAL_COMMANDS = /^(auth|hello|migrate)$/i;
const MAX_DEPTH = 4;

/** WRONGPASS / NOAUTH / invalid password: the store's credentials are wrong or missing. */
export function isAuthError(e: unknown): boolean {
  const m = e instanceof Error ? e.message : '';
  return /^(WRONGPASS|NOAUTH)\b/.test(m) || /invalid (username-)?password/i.test(m);
}

/** NOPERM: the ACL user lacks a command, key or channel the store needs. */
export function isPermissionError(e: unknown): boolean {
  return e instanceof Error && /^NOPERM\b/.test(e.message);
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/**
 * Removes credentials from an error in place and returns it: the arguments of AUTH / HELLO /
 * MIGRATE commands ioredis attaches as `command.args`, and any known secret in messages and
 * stacks, also in nested errors (`previousErrors`, `lastNodeError`, `cause`). Serialisers
 * (console, JSON, pino) then have nothing to leak.
 */
export function redactError<T>(e: T, secrets: readonly string[], depth = 0): T {
  if (typeof e !== 'object' || e === null || depth > MAX_DEPTH) return e;
  const o = e as Record<string, unknown>;
  try {
    const cmd = o['command'];
    if (typeof cmd === 'object' && cmd !== null) {
      const c = cmd as { name?: unknown; args?: unknown };
      if (typeof c.name === 'string' && CREDENTIAL_COMMANDS.test(c.name) && Array.isArray(c.args)) {
        c.args = c.args.map(() => '***');
      } else if (Array.isArray(c.args) && secrets.length > 0) {
        // Script arguments may carry key material (the HMAC pads of a store secret).
        c.args = c.args.map((a: unknown) => (typeof a === 'string' ? scrub(a, secrets) : a));
      }
    }
    if (secrets.length > 0) {
      for (const k of ['message', 'stack']) {
        const v = o[k];
        if (typeof v === 'string') o[k] = scrub(v, secrets);
      }
    }
    for (const k of ['lastNodeError', 'cause']) redactError(o[k], secrets, depth + 1);
    const prev = o['previousErrors'];
    if (Array.isArray(prev)) for (const p of prev) redactError(p, secrets, depth + 1);
  } catch {
    // A frozen or exotic error: nothing more we can do; never throw from reporting.
  }
  return e;
}

/** Passwords configured on an ioredis connection (standalone, Sentinel or Cluster), to redact. */
export function secretsOf(conn: unknown): string[] {
  const out: string[] = [];
  const opts = (conn as { options?: Record<string, unknown> } | undefined)?.options;
  const add = (o: Record<string, unknown> | undefined): void => {
    for (const k of ['password', 'sentinelPassword']) {
      const v = o?.[k];
      if (typeof v === 'string' && v.length >= 4) out.push(v);
    }
  };
  add(opts);
  add(opts?.['redisOptions'] as Record<string, unknown> | undefined);
  return out;
}

/** Backoff of reconnects while the credentials are rejected: 1 s doubling to 30 s. */
export function authBackoffMs(consecutiveAuthFailures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(5, Math.max(0, consecutiveAuthFailures - 1)));
}

/** Hands absorbed errors on (redacted), or warns once about configuration errors when nobody listens. */
export class ErrorReporter {
  private warned = false;

  constructor(
    private readonly onError: ((e: unknown) => void) | undefined,
    private readonly secrets: readonly string[],
  ) {}

  report(e: unknown): void {
    redactError(e, this.secrets);
    const fn = this.onError;
    if (fn === undefined) {
      if (e instanceof Error && (e as { code?: unknown }).code === 'BW_REDIS_UNAUTHENTICATED') {
        process.emitWarning(e.message, { code: 'BW_REDIS_UNAUTHENTICATED' }); // already rate-limited
        return;
      }
      if (!this.warned && (isAuthError(e) || isPermissionError(e))) {
        this.warned = true;
        const why = e instanceof Error ? e.message : String(e);
        process.emitWarning(
          `@breakwater/redis: Redis rejects the store's credentials or permissions (${why}); ` +
            'breakers run locally until this is fixed. ' +
            'Pass onError to RedisBreakerStore to handle such errors yourself.',
          { code: 'BW_REDIS_CONFIG' },
        );
      }
      return;
    }
    try {
      fn(e);
    } catch {
      /* a throwing onError must not break the store */
    }
  }
}

/**
 * The store's error reporter: redacts the connection's password, the secrets and the HMAC key
 * material derived from them (whole and in the 128-character pads the scripts receive).
 */
export function storeReporter(o: ResolvedStoreOptions): ErrorReporter {
  const keyMaterial = o.auth === undefined ? [] : [o.auth.pads, ...(o.auth.pads.match(/.{128}/g) ?? [])];
  return new ErrorReporter(o.onError, [
    ...secretsOf(o.redis),
    ...o.secrets.filter((k) => k.length >= 4),
    ...keyMaterial,
  ]);
}
