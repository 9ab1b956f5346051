import type { RecordTexts } from './auth.js';
import { MAX_GEN, MAX_TEXT } from './bounds.js';

/**
 * Validation of everything the store reads from Redis: script replies (hash fields) and pub/sub
 * messages. Anything malformed is reported as such and never thrown into the host.
 */

/** A state the fleet can be in ('half-open' is never shared: only the lease holder probes). */
export type FleetStateName = 'closed' | 'open' | 'isolated';

/** A breaker's fleet-wide state as stored in Redis. Times are Redis TIME milliseconds. */
export interface FleetRecord {
  readonly state: FleetStateName;
  readonly gen: number;
  /** While open: when the fleet may probe (Redis ms); 0 otherwise. */
  readonly openUntil: number;
  readonly reason: string;
  readonly at: number;
  readonly origin: string;
  /** Redis time when this record was read or published; used to turn times into durations. */
  readonly now: number;
  /** While open: the fleet's open attempt (growing open period); absent in records written before it existed. */
  readonly openAttempt?: number;
}

/** A parsed transition message. */
export interface FleetMessage extends FleetRecord {
  readonly prefix: string;
  readonly name: string;
  readonly votes: number;
  /** The record texts the message's MAC covers (see auth.ts). */
  readonly texts: RecordTexts;
  /** The record's MACs (one per key of the writer), '' when unsigned. */
  readonly mac: string;
}

/**
 * The common reply of the state scripts: `[status, now, state, gen, openUntil, reason, at, origin,
 * extra, attempt?, mac?]`.
 */
export interface ScriptReply {
  readonly status: string;
  readonly now: number;
  /** The stored record; 'empty' when the hash does not exist, 'malformed' when it holds garbage. */
  readonly record: FleetRecord | 'empty' | 'malformed';
  readonly extra: string;
  /** The stored texts as read (what a record MAC covers). */
  readonly texts: RecordTexts;
  /** The stored MACs ('' when unsigned). */
  readonly mac: string;
}

const STATES: ReadonlySet<string> = new Set(['closed', 'open', 'isolated']);

function isGen(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= MAX_GEN;
}

function isTime(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isText(s: unknown): s is string {
  return typeof s === 'string' && s.length <= MAX_TEXT;
}

function num(s: string): number {
  return s === '' || !/^-?\d+$/.test(s) ? Number.NaN : Number(s);
}

function record(
  state: unknown,
  gen: unknown,
  openUntil: unknown,
  reason: unknown,
  at: unknown,
  origin: unknown,
  now: number,
): FleetRecord | undefined {
  if (typeof state !== 'string' || !STATES.has(state) || !isGen(gen) || !isTime(openUntil) || !isTime(at))
    return undefined;
  if (!isText(reason) || !isText(origin)) return undefined;
  if (state === 'open' ? openUntil === 0 : openUntil !== 0) return undefined;
  return { state: state as FleetStateName, gen, openUntil, reason, at, origin, now };
}

/** Parses a script reply; throws only if the reply shape itself is wrong (a bug, not data). */
export function parseScriptReply(raw: unknown): ScriptReply {
  if (!Array.isArray(raw) || raw.length < 9 || raw.length > 11 || raw.some((x) => typeof x !== 'string')) {
    throw new Error(`unexpected script reply: ${JSON.stringify(raw)}`);
  }
  const [status, nowText, state, gen, openUntil, reason, at, origin, extra] = raw as string[] as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const now = num(nowText);
  const empty = state === '' && gen === '' && openUntil === '' && reason === '' && at === '' && origin === '';
  const rec = empty ? 'empty' : (record(state, num(gen), num(openUntil), reason, num(at), origin, now) ?? 'malformed');
  // The 10th element (open attempt) is optional: an invalid one is dropped, never fatal.
  const attemptText = (raw as string[])[9] ?? '';
  const attempt = num(attemptText);
  const parsed =
    typeof rec === 'object' && rec.state === 'open' && Number.isSafeInteger(attempt) && attempt >= 1
      ? { ...rec, openAttempt: attempt }
      : rec;
  const texts = { state, gen, openUntil, reason, at, origin, attempt: attemptText };
  return { status, now, record: parsed, extra, texts, mac: (raw as string[])[10] ?? '' };
}

/** Parses a pub/sub payload; undefined when it is not a valid transition message. */
export function parseMessage(payload: string): FleetMessage | undefined {
  if (payload.length > 16 * MAX_TEXT) return undefined;
  let m: unknown;
  try {
    m = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return undefined;
  const o = m as Record<string, unknown>;
  if (o['v'] !== 1 || !isText(o['p']) || !isText(o['n']) || o['n'] === '' || !isTime(o['t'])) return undefined;
  const votes = o['q'] ?? 0;
  if (!isTime(votes)) return undefined;
  const r = record(o['s'], o['g'], o['u'], o['r'], o['t'], o['o'], o['t']);
  if (r === undefined) return undefined;
  const attempt = o['a'] ?? 0;
  const mac = o['m'] ?? '';
  if (!isTime(attempt) || typeof mac !== 'string') return undefined;
  const texts = {
    state: r.state,
    gen: String(r.gen),
    openUntil: String(r.openUntil),
    reason: r.reason,
    at: String(r.at),
    origin: r.origin,
    attempt: String(attempt),
  };
  return { ...r, prefix: o['p'], name: o['n'], votes, texts, mac };
}
