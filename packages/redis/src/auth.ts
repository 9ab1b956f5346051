import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '@breakwater/core';
import { printable } from './cli/printable.js';

/**
 * Optional authentication of records and messages (`RedisBreakerStore({ secret })`).
 *
 * Records are written by Lua scripts that stamp the generation and Redis TIME themselves, so the
 * client cannot sign them beforehand: the script computes the MAC (HMAC-SHA1 from `redis.sha1hex`,
 * the only hash Redis Lua has; still a sound MAC) over every field it writes and stores it in the
 * hash field `mac`; its message carries the same MAC. The script gets each key as HMAC pads, never
 * the secret itself: the key it uses is derived per prefix (HMAC-SHA256 of the secret), so what
 * reaches Redis is worthless for any other prefix and does not reveal the secret.
 *
 * With several keys (rotation), writes carry one MAC per key and a record is accepted when any MAC
 * matches any key, so pods that know only the old key and pods that know both keep sharing while a
 * rollout is under way.
 */

/** Most keys a store accepts at once (rotation needs two; a few more leave room). */
export const MAX_SECRETS = 8;
/** Shorter secrets are accepted with a warning. */
export const MIN_SECRET_LENGTH = 16;
/** Hex characters of one MAC (SHA-1). */
export const MAC_HEX = 40;

/** The stored texts a record MAC covers, as Lua writes them. */
export interface RecordTexts {
  readonly state: string;
  readonly gen: string;
  readonly openUntil: string;
  readonly reason: string;
  readonly at: string;
  readonly origin: string;
  readonly attempt: string;
}

function lengthPrefixed(s: string): string {
  return `${Buffer.byteLength(s, 'utf8')}:${s}`;
}

/**
 * What a record MAC covers, byte for byte as the Lua `canon` function builds it: prefix and name
 * (a record cannot be copied to another breaker) and every stored field, each length-prefixed.
 */
export function canonicalRecord(prefix: string, name: string, t: RecordTexts): string {
  return ['bw1|', prefix, name, t.state, t.gen, t.openUntil, t.reason, t.at, t.origin, t.attempt]
    .map((s, i) => (i === 0 ? s : lengthPrefixed(s)))
    .join('');
}

function describe(v: unknown): string {
  if (typeof v === 'string') return v.length === 0 ? 'an empty string' : `a string of ${v.length} characters`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return v === null ? 'null' : typeof v;
}

/**
 * Validates `secret` (a string, or a non-empty array of strings for rotation: the first is the
 * current key, all verify). Returns the keys; undefined when no secret is configured.
 */
export function checkSecret(v: unknown, path: string): string[] | undefined {
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? [v] : v;
  const bad =
    !Array.isArray(list) ||
    list.length === 0 ||
    list.length > MAX_SECRETS ||
    list.some((s) => typeof s !== 'string' || s.length === 0);
  if (bad) {
    throw new ConfigError(
      path,
      `expected a non-empty string (≥ ${MIN_SECRET_LENGTH} characters recommended) ` +
        `or an array of 1 to ${MAX_SECRETS} such strings ` +
        `(key rotation: the first is the current key), got ${describe(v)}`,
    );
  }
  return list as string[];
}

/** HMAC key the scripts use for `prefix`, derived from one secret. */
function recordKey(secret: string, prefix: string): Buffer {
  return createHmac('sha256', secret).update(`breakwater-redis/record-key/v1|${prefix}`).digest();
}

/** HMAC-SHA1 inner and outer pads of `key` (≤ 64 bytes) as hex: what the Lua scripts get. */
function padsHex(key: Buffer): string {
  const block = Buffer.alloc(64);
  key.copy(block);
  const inner = Buffer.from(block.map((b) => b ^ 0x36));
  const outer = Buffer.from(block.map((b) => b ^ 0x5c));
  return inner.toString('hex') + outer.toString('hex');
}

/** Signs and verifies records and messages of one prefix with the configured keys. */
export class RecordAuth {
  /** Every key's pads, concatenated (256 hex characters per key): the scripts' MAC argument. */
  readonly pads: string;
  private readonly keys: Buffer[];

  constructor(secrets: readonly string[], prefix: string) {
    this.keys = secrets.map((s) => recordKey(s, prefix));
    this.pads = this.keys.map(padsHex).join('');
  }

  /** One MAC per key, concatenated (what Lua stores in `mac`). */
  sign(canonical: string): string {
    return this.keys.map((k) => createHmac('sha1', k).update(canonical, 'utf8').digest('hex')).join('');
  }

  /** True when `mac` holds a MAC of `canonical` under any configured key. */
  verify(canonical: string, mac: unknown): boolean {
    if (typeof mac !== 'string' || mac.length === 0 || mac.length % MAC_HEX !== 0 || mac.length > MAX_SECRETS * MAC_HEX)
      return false;
    const given: Buffer[] = [];
    for (let i = 0; i < mac.length; i += MAC_HEX) given.push(Buffer.from(mac.slice(i, i + MAC_HEX), 'latin1'));
    let ok = false;
    for (const k of this.keys) {
      const want = Buffer.from(createHmac('sha1', k).update(canonical, 'utf8').digest('hex'), 'latin1');
      for (const g of given) if (timingSafeEqual(want, g)) ok = true;
    }
    return ok;
  }
}

/** Records or messages that failed verification; handed to `onError` (rate-limited). */
export class UnauthenticatedDataError extends Error {
  /** Stable error code. */
  readonly code = 'BW_REDIS_UNAUTHENTICATED';

  constructor(
    /** What failed since the last notice. */
    readonly counts: { readonly messages: number; readonly records: number },
    /** The last breaker a refused record or message named. */
    readonly breaker: string,
  ) {
    super(
      `@breakwater/redis: refused ${counts.messages} message(s) and ${counts.records} record(s) without a valid MAC ` +
        `(last: breaker "${printable(breaker.slice(0, 100))}"): another writer lacks the secret ` +
        '(a different secret, a client without one, or a forgery); those breakers run on local state',
    );
    this.name = 'UnauthenticatedDataError';
  }
}

/** At most one notice per this many ms. */
const NOTICE_MS = 10_000;

/** Rate-limits the reports of refused data: the first at once, then one per 10 s with the counts since. */
export class UnauthenticatedNotices {
  private last = Number.NEGATIVE_INFINITY;
  private messages = 0;
  private records = 0;

  constructor(
    private readonly report: (e: UnauthenticatedDataError) => void,
    private readonly now: () => number = Date.now,
  ) {}

  note(kind: 'messages' | 'records', breaker: string): void {
    this[kind] += 1;
    const t = this.now();
    if (t - this.last < NOTICE_MS) return;
    this.last = t;
    const e = new UnauthenticatedDataError({ messages: this.messages, records: this.records }, breaker);
    this.messages = 0;
    this.records = 0;
    this.report(e);
  }
}
