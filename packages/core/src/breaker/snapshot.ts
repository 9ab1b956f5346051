import { ConfigError } from '../errors.js';
import type { BreakerSnapshot, BreakerState } from './types.js';
import { describeValue, MAX_COUNT } from '../kernel/options.js';

/** The snapshot format this library writes and reads (see {@link BreakerSnapshot}). */
export const SNAPSHOT_VERSION = 1;

const STATES: ReadonlySet<string> = new Set(['closed', 'open', 'half-open', 'isolated']);
const P = 'circuitBreaker.initialState';

function fail(field: string, expected: string, value: unknown): never {
  throw new ConfigError(field === '' ? P : `${P}.${field}`, `expected ${expected}, got ${describeValue(value)}`);
}

function wallTime(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    fail(field, 'a wall-clock time in ms (a finite number ≥ 0)', value);
  return value;
}

/**
 * Validates a snapshot (from `toJSON()`, possibly through JSON.stringify/parse and storage).
 * @throws ConfigError naming the field for a malformed snapshot, or for a version newer than this library reads.
 */
export function parseSnapshot(value: unknown): BreakerSnapshot {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('', 'a snapshot from breaker.toJSON()', value);
  const o = value as Record<string, unknown>;
  const version = o['version'];
  if (typeof version === 'number' && Number.isInteger(version) && version > SNAPSHOT_VERSION) {
    throw new ConfigError(
      `${P}.version`,
      `snapshot version ${version} is newer than this library reads (${SNAPSHOT_VERSION}); ` +
        'upgrade @breakwater/core or drop the snapshot',
    );
  }
  if (version !== SNAPSHOT_VERSION) fail('version', `${SNAPSHOT_VERSION}`, version);
  const name = o['name'];
  if (typeof name !== 'string') fail('name', 'a string', name);
  const state = o['state'];
  if (typeof state !== 'string' || !STATES.has(state))
    fail('state', "'closed', 'open', 'half-open' or 'isolated'", state);
  const openUntil = o['openUntil'] === null ? null : wallTime('openUntil', o['openUntil']);
  if (state === 'open' && openUntil === null) fail('openUntil', 'a wall-clock time for an open breaker', null);
  const openAttempt = o['openAttempt'];
  if (typeof openAttempt !== 'number' || !Number.isInteger(openAttempt) || openAttempt < 0 || openAttempt > MAX_COUNT) {
    fail('openAttempt', `an integer from 0 to ${MAX_COUNT}`, openAttempt);
  }
  const generation = o['generation'];
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 0)
    fail('generation', 'an integer ≥ 0', generation);
  const reason = o['reason'];
  if (typeof reason !== 'string' || reason.length > 1_000)
    fail('reason', 'a string of at most 1000 characters', reason);
  const since = wallTime('since', o['since']);
  const trip = o['trip'];
  if (typeof trip !== 'object' || trip === null || typeof (trip as { kind?: unknown }).kind !== 'string') {
    fail('trip', '{ kind, window }', trip);
  }
  const t = trip as { kind: string; window?: unknown };
  return {
    version: SNAPSHOT_VERSION,
    name,
    state: state as BreakerState,
    openUntil,
    openAttempt,
    generation,
    reason,
    since,
    trip: { kind: t.kind, window: t.window ?? null },
  };
}

/** ConfigError for a window the trip strategy could not read. */
export function badWindow(kind: string, window: unknown): ConfigError {
  return new ConfigError(
    `${P}.trip.window`,
    `expected the window of a '${kind}' strategy as toJSON() wrote it, got ${describeValue(window)}`,
  );
}
