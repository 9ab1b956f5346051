import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { resolveBreakerOptions } from '../breaker/options.js';
import type { CircuitBreakerOptions } from '../breaker/types.js';
import { ConfigError } from '../errors.js';
import { validateEndpoints } from './endpoint-validation.js';
import type { ActiveCheckSettings } from './health/active-checker.js';
import { httpCheck } from './health/http-check.js';
import type { LevelSettings } from './level-plan.js';
import type { OutlierSettings } from './outlier/outlier-detector.js';
import type { QueueSettings } from './wait-queue.js';
import { p2cEwma } from './strategies/p2c-ewma.js';
import type { LoadBalancerOptions, Strategy } from './types.js';
import {
  describeValue,
  checkObject,
  checkFunction,
  checkString,
  checkOptionalNumber,
  checkKnownKeys,
} from '../kernel/options.js';

/** `loadBalancer()` options after validation and defaults. */
export interface ResolvedBalancerOptions {
  name: string;
  strategy: Strategy;
  clock: Clock;
  random: () => number;
  health: ActiveCheckSettings | undefined;
  outlier: OutlierSettings | undefined;
  levels: LevelSettings;
  queue: QueueSettings;
}

export { validateEndpoints } from './endpoint-validation.js';

/** Every key `loadBalancer()` accepts; anything else is a ConfigError with a did-you-mean hint. */
const KEYS = [
  'endpoints',
  'strategy',
  'healthCheck',
  'outlierDetection',
  'locality',
  'queue',
  'breaker',
  'createBreaker',
  'endpointLimit',
  'isFailure',
  'isResultFailure',
  'name',
  'clock',
  'random',
];
/** Names other libraries (and our YAML config) use for the same things. */
const ALIASES = {
  servers: 'endpoints',
  algorithm: 'strategy',
  health_check: 'healthCheck',
  healthChecks: 'healthCheck',
  outlier: 'outlierDetection',
  circuitBreaker: 'breaker',
};

/** Validates every option; throws ConfigError naming the field (`loadBalancer.endpoints[2].weight`). */
export function resolveBalancerOptions(o: LoadBalancerOptions): ResolvedBalancerOptions {
  if (typeof o !== 'object' || o === null)
    throw new ConfigError('loadBalancer', `expected an options object, got ${describeValue(o)}`);
  checkKnownKeys('loadBalancer', o, KEYS, ALIASES);
  validateEndpoints('loadBalancer.endpoints', o.endpoints);
  const name = checkString('loadBalancer.name', o.name) ?? 'balancer';
  const strategy = o.strategy ?? p2cEwma();
  if (typeof strategy !== 'object' || strategy === null || typeof strategy.create !== 'function') {
    throw new ConfigError(
      'loadBalancer.strategy',
      `expected a Strategy such as roundRobin() or p2cEwma(), got ${describeValue(strategy)}`,
    );
  }
  const clock = o.clock ?? systemClock;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function'
  ) {
    throw new ConfigError(
      'loadBalancer.clock',
      `expected a Clock { now, setTimeout, clearTimeout }, got ${describeValue(clock)}`,
    );
  }
  checkFunction('loadBalancer.random', o.random);
  checkFunction('loadBalancer.isFailure', o.isFailure);
  checkFunction('loadBalancer.isResultFailure', o.isResultFailure);
  checkFunction('loadBalancer.createBreaker', o.createBreaker);
  checkFunction('loadBalancer.endpointLimit', o.endpointLimit);
  checkBreakerOptions(o.breaker, o.createBreaker !== undefined);
  const levels = resolveLocality(o.locality);
  checkLocalRegion(levels, o.locality?.local, o.endpoints);
  return {
    name,
    strategy,
    clock,
    random: o.random ?? Math.random,
    health: resolveHealth(o.healthCheck),
    outlier: resolveOutlier(o.outlierDetection),
    levels,
    queue: resolveQueue(o.queue),
  };
}

/**
 * Per-endpoint breaker options, checked once here so a typo fails at construction even before any
 * endpoint exists (breakers are created per endpoint). Custom `createBreaker` factories take
 * options of their own: only the object shape is checked then.
 */
function checkBreakerOptions(b: LoadBalancerOptions['breaker'], custom: boolean): void {
  const p = 'loadBalancer.breaker';
  checkObject(p, b, true);
  if (b === undefined || custom) return;
  if ('name' in b)
    throw new ConfigError(
      `${p}.name`,
      'unknown option "name": the balancer names each breaker `${balancerName}/${endpoint.id}`',
    );
  try {
    resolveBreakerOptions({ ...b, name: 'loadBalancer.breaker' } as CircuitBreakerOptions);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new ConfigError(e.path.replace(/^circuitBreaker/, p), e.message.replace(/^[^:]*: /, ''));
    throw e;
  }
}

/** `locality.local` must name a region some endpoint has (a typo would silently send traffic elsewhere). */
function checkLocalRegion(
  levels: LevelSettings,
  local: string | undefined,
  endpoints: LoadBalancerOptions['endpoints'],
): void {
  if (local === undefined || endpoints.length === 0 || levels.order === undefined) return;
  const regions = new Set(endpoints.map((e) => e.region).filter((r): r is string => r !== undefined));
  if (regions.has(local)) return;
  const known = [...regions].map((r) => JSON.stringify(r)).join(', ');
  throw new ConfigError(
    'loadBalancer.locality.local',
    `expected the region of at least one endpoint (${known === '' ? 'no endpoint has a region' : known}), ` +
      `got ${JSON.stringify(local)}`,
  );
}

function resolveHealth(h: LoadBalancerOptions['healthCheck']): ActiveCheckSettings | undefined {
  if (h === undefined) return undefined;
  const p = 'loadBalancer.healthCheck';
  checkObject(p, h, true);
  checkKnownKeys(
    p,
    h,
    ['path', 'intervalMs', 'timeoutMs', 'healthyThreshold', 'unhealthyThreshold', 'jitterMs', 'check'],
    {
      interval: 'intervalMs',
      timeout: 'timeoutMs',
      rise: 'healthyThreshold',
      fall: 'unhealthyThreshold',
      jitter: 'jitterMs',
    },
  );
  const intervalMs = checkOptionalNumber(`${p}.intervalMs`, h.intervalMs, { min: 1 }) ?? 10_000;
  const timeoutMs = checkOptionalNumber(`${p}.timeoutMs`, h.timeoutMs, { min: 1 }) ?? Math.min(5_000, intervalMs);
  const path = h.path ?? '/health';
  if (typeof path !== 'string')
    throw new ConfigError(`${p}.path`, `expected a path like '/health', got ${describeValue(path)}`);
  checkFunction(`${p}.check`, h.check);
  return {
    intervalMs,
    timeoutMs,
    healthyThreshold:
      checkOptionalNumber(`${p}.healthyThreshold`, h.healthyThreshold, { min: 1, max: 1_000, integer: true }) ?? 2,
    unhealthyThreshold:
      checkOptionalNumber(`${p}.unhealthyThreshold`, h.unhealthyThreshold, { min: 1, max: 1_000, integer: true }) ?? 3,
    jitterMs: checkOptionalNumber(`${p}.jitterMs`, h.jitterMs, { min: 0 }) ?? intervalMs * 0.1,
    check: h.check ?? httpCheck(path),
  };
}

function resolveOutlier(d: LoadBalancerOptions['outlierDetection']): OutlierSettings | undefined {
  if (d === undefined) return undefined;
  const p = 'loadBalancer.outlierDetection';
  checkObject(p, d, true);
  checkKnownKeys(p, d, ['consecutiveFailures', 'baseEjectionMs', 'maxEjectionMs', 'maxEjectionPercent'], {
    baseEjectionTime: 'baseEjectionMs',
    maxEjectionTime: 'maxEjectionMs',
    consecutive5xx: 'consecutiveFailures',
    maxFails: 'consecutiveFailures',
  });
  const baseEjectionMs = checkOptionalNumber(`${p}.baseEjectionMs`, d.baseEjectionMs, { min: 1 }) ?? 30_000;
  return {
    consecutiveFailures:
      checkOptionalNumber(`${p}.consecutiveFailures`, d.consecutiveFailures, { min: 1, max: 1e9, integer: true }) ?? 5,
    baseEjectionMs,
    maxEjectionMs:
      checkOptionalNumber(`${p}.maxEjectionMs`, d.maxEjectionMs, { min: baseEjectionMs }) ??
      Math.max(300_000, baseEjectionMs),
    maxEjectionPercent:
      checkOptionalNumber(`${p}.maxEjectionPercent`, d.maxEjectionPercent, { min: 0, max: 100 }) ?? 50,
  };
}

/** Longest timer a Node clock can arm (2^31 − 1 ms, ~24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

function resolveQueue(q: LoadBalancerOptions['queue']): QueueSettings {
  const p = 'loadBalancer.queue';
  checkObject(p, q, true);
  checkKnownKeys(p, q, ['maxPending', 'timeoutMs'], {
    timeout: 'timeoutMs',
    maxQueue: 'maxPending',
    maxSize: 'maxPending',
  });
  return {
    maxPending: checkOptionalNumber(`${p}.maxPending`, q?.maxPending, { min: 0, max: 1e9, integer: true }) ?? 1000,
    timeoutMs: checkOptionalNumber(`${p}.timeoutMs`, q?.timeoutMs, { min: 1, max: MAX_TIMER_MS }),
  };
}

function resolveLocality(l: LoadBalancerOptions['locality']): LevelSettings {
  const p = 'loadBalancer.locality';
  checkObject(p, l, true);
  checkKnownKeys(p, l, ['local', 'order', 'overprovisioningFactor', 'panicThreshold']);
  const local = checkString(`${p}.local`, l?.local);
  const order = l?.order;
  if (order !== undefined && (!Array.isArray(order) || order.some((r) => typeof r !== 'string' || r === ''))) {
    throw new ConfigError(`${p}.order`, `expected an array of region names, got ${describeValue(order)}`);
  }
  let levels: string[] | undefined;
  if (local !== undefined || order !== undefined) {
    levels = local === undefined ? [] : [local];
    for (const r of order ?? []) if (!levels.includes(r)) levels.push(r);
  }
  return {
    order: levels,
    overprovisioningFactor:
      checkOptionalNumber(`${p}.overprovisioningFactor`, l?.overprovisioningFactor, { min: 1, max: 100 }) ?? 1.4,
    panicThreshold: checkOptionalNumber(`${p}.panicThreshold`, l?.panicThreshold, { min: 0, max: 1 }) ?? 0.5,
  };
}
