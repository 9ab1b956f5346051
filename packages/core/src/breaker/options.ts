import { systemClock, type Clock } from '../clock.js';
import { ConfigError } from '../errors.js';
import type { BreakerStore } from '../store/types.js';
import { defaultBreakerIsFailure } from './rejection.js';
import type { Backoff } from '../retry/backoff.js';
import { OpenPeriod } from './open-period.js';
import { parseSnapshot } from './snapshot.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import type { BreakerSnapshot, CircuitBreakerOptions, TripStrategy } from './types.js';
import {
  describeValue,
  checkObject,
  checkCount,
  checkNumber,
  checkRatio,
  checkPredicate,
  checkKnownKeys,
} from '../kernel/options.js';

/** Default open period before a probe is allowed. */
export const DEFAULT_HALF_OPEN_AFTER_MS = 30_000;
/** Floor of the default probe timeout: short open periods must not fail probes that are merely not instant. */
export const MIN_DEFAULT_PROBE_TIMEOUT_MS = 1_000;

/** Options after validation and defaults. */
export interface ResolvedBreakerOptions {
  name: string;
  trip: Pick<TripStrategy, 'create'>;
  /** `trip.name`, or the deprecated `trip.kind` of a strategy without one. */
  tripName: string;
  openPeriod: OpenPeriod;
  maxProbes: number;
  successesToClose: number;
  probeTimeoutMs: number;
  slowCallMs: number;
  slowCallRateThreshold: number | undefined;
  shadow: boolean;
  isFailure: (error: unknown) => boolean;
  isResultFailure: ((result: unknown) => boolean) | undefined;
  store: BreakerStore | undefined;
  clock: Clock;
  initialState: BreakerSnapshot | undefined;
}

const P = 'circuitBreaker';
/** Every key `circuitBreaker()` accepts; anything else is a ConfigError with a did-you-mean hint. */
const BREAKER_KEYS = [
  'name',
  'trip',
  'halfOpenAfterMs',
  'halfOpen',
  'slowCall',
  'mode',
  'isFailure',
  'isResultFailure',
  'store',
  'clock',
  'initialState',
];

/** `halfOpenAfterMs`: a number of ms (≥ 0) or a Backoff (`{ delayMs(attempt, previousMs) }`). */
function checkHalfOpenAfter(value: unknown): number | Backoff {
  if (value === undefined) return DEFAULT_HALF_OPEN_AFTER_MS;
  if (typeof value === 'object' && value !== null && typeof (value as Backoff).delayMs === 'function')
    return value as Backoff;
  if (typeof value === 'number') return checkNumber(`${P}.halfOpenAfterMs`, value, { min: 0 });
  throw new ConfigError(
    `${P}.halfOpenAfterMs`,
    'expected a number of ms ≥ 0 or a Backoff such as exponentialBackoff({ initialMs: 1000, maxMs: 60000 }), ' +
      `got ${describeValue(value)}`,
  );
}

/** The strategy's `name`, else its deprecated `kind`; a ConfigError when neither is a non-empty string. */
function checkTripName(trip: Partial<TripStrategy>): string {
  const name = trip.name ?? trip.kind;
  if (typeof name === 'string' && name.length > 0) return name;
  const path = `${P}.trip.${trip.name === undefined && trip.kind !== undefined ? 'kind' : 'name'}`;
  throw new ConfigError(
    path,
    "expected the trip strategy's name, a non-empty string such as 'myStrategy' " +
      `(\`kind\` is accepted as its deprecated alias), got ${describeValue(name)}`,
  );
}

/** Validates `circuitBreaker` options; throws ConfigError with a `circuitBreaker.<field>` path. */
export function resolveBreakerOptions(options: CircuitBreakerOptions): ResolvedBreakerOptions {
  const o = checkObject(P, options, false)!;
  checkKnownKeys(P, o, BREAKER_KEYS, {
    halfOpenAfter: 'halfOpenAfterMs',
    resetTimeout: 'halfOpenAfterMs',
    errorFilter: 'isFailure',
  });
  const name = o['name'];
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigError(`${P}.name`, `expected a non-empty string, got ${describeValue(name)}`);
  }
  const trip = o['trip'] ?? consecutiveFailures(5);
  if (typeof trip !== 'object' || trip === null || typeof (trip as TripStrategy).create !== 'function') {
    throw new ConfigError(
      `${P}.trip`,
      `expected a trip strategy such as consecutiveFailures(5) or failureRate({...}), got ${describeValue(trip)}`,
    );
  }
  const tripName = checkTripName(trip as Partial<TripStrategy>);
  const openPeriod = OpenPeriod.of(checkHalfOpenAfter(o['halfOpenAfterMs']));
  const halfOpenAfterMs = openPeriod.currentMs;
  const halfOpen = checkObject(`${P}.halfOpen`, o['halfOpen'], true) ?? {};
  checkKnownKeys(`${P}.halfOpen`, halfOpen, ['maxProbes', 'successesToClose', 'probeTimeoutMs']);
  const maxProbes =
    halfOpen['maxProbes'] === undefined ? 1 : checkCount(`${P}.halfOpen.maxProbes`, halfOpen['maxProbes'], 1);
  const successesToClose =
    halfOpen['successesToClose'] === undefined
      ? 1
      : checkCount(`${P}.halfOpen.successesToClose`, halfOpen['successesToClose'], 1);
  const probeTimeoutMs =
    halfOpen['probeTimeoutMs'] === undefined
      ? Math.max(halfOpenAfterMs, MIN_DEFAULT_PROBE_TIMEOUT_MS)
      : checkNumber(`${P}.halfOpen.probeTimeoutMs`, halfOpen['probeTimeoutMs'], { minExclusive: 0 });
  const slowCall = checkObject(`${P}.slowCall`, o['slowCall'], true);
  let slowCallMs = Number.POSITIVE_INFINITY;
  let slowCallRateThreshold: number | undefined;
  if (slowCall !== undefined) {
    checkKnownKeys(`${P}.slowCall`, slowCall, ['thresholdMs', 'rateThreshold']);
    slowCallMs = checkNumber(`${P}.slowCall.thresholdMs`, slowCall['thresholdMs'], { min: 0 });
    slowCallRateThreshold = checkRatio(`${P}.slowCall.rateThreshold`, slowCall['rateThreshold']);
  }
  const mode = o['mode'] ?? 'enforce';
  if (mode !== 'enforce' && mode !== 'shadow')
    throw new ConfigError(`${P}.mode`, `expected 'enforce' or 'shadow', got ${describeValue(mode)}`);
  const isFailure = checkPredicate(`${P}.isFailure`, o['isFailure']) ?? defaultBreakerIsFailure;
  const isResultFailure = checkPredicate(`${P}.isResultFailure`, o['isResultFailure']);
  const store = o['store'];
  if (
    store !== undefined &&
    (typeof store !== 'object' || store === null || typeof (store as BreakerStore).attach !== 'function')
  ) {
    throw new ConfigError(
      `${P}.store`,
      `expected a BreakerStore (e.g. memoryBreakerStore()), got ${describeValue(store)}`,
    );
  }
  const clock = o['clock'] ?? systemClock;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof (clock as Clock).now !== 'function' ||
    typeof (clock as Clock).setTimeout !== 'function'
  ) {
    throw new ConfigError(
      `${P}.clock`,
      `expected a Clock with now(), setTimeout() and clearTimeout(), got ${describeValue(clock)}`,
    );
  }
  return {
    name,
    trip: trip as TripStrategy,
    tripName,
    openPeriod,
    maxProbes,
    successesToClose,
    probeTimeoutMs,
    slowCallMs,
    slowCallRateThreshold,
    shadow: mode === 'shadow',
    isFailure,
    isResultFailure,
    store: store as BreakerStore | undefined,
    clock: clock as Clock,
    initialState: o['initialState'] === undefined ? undefined : parseSnapshot(o['initialState']),
  };
}
