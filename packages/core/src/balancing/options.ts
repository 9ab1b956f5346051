import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import type { ActiveCheckSettings } from './health/active-checker.js';
import { httpCheck } from './health/http-check.js';
import type { LevelSettings } from './level-plan.js';
import type { OutlierSettings } from './outlier/outlier-detector.js';
import type { QueueSettings } from './wait-queue.js';
import { p2cEwma } from './strategies/p2c-ewma.js';
import type { Endpoint, LoadBalancerOptions, Strategy } from './types.js';
import { optFunction, optNumber, optObject, optString, show } from './validate.js';

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

/** Validates every option; throws ConfigError naming the field (`loadBalancer.endpoints[2].weight`). */
export function resolveBalancerOptions(o: LoadBalancerOptions): ResolvedBalancerOptions {
  if (typeof o !== 'object' || o === null) throw new ConfigError('loadBalancer', `expected an options object, got ${show(o)}`);
  validateEndpoints('loadBalancer.endpoints', o.endpoints);
  const name = optString('loadBalancer.name', o.name) ?? 'balancer';
  const strategy = o.strategy ?? p2cEwma();
  if (typeof strategy !== 'object' || strategy === null || typeof strategy.create !== 'function') {
    throw new ConfigError('loadBalancer.strategy', `expected a Strategy such as roundRobin() or p2cEwma(), got ${show(strategy)}`);
  }
  const clock = o.clock ?? systemClock;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function') {
    throw new ConfigError('loadBalancer.clock', `expected a Clock { now, setTimeout, clearTimeout }, got ${show(clock)}`);
  }
  optFunction('loadBalancer.random', o.random);
  optFunction('loadBalancer.isFailure', o.isFailure);
  optFunction('loadBalancer.isResultFailure', o.isResultFailure);
  optFunction('loadBalancer.createBreaker', o.createBreaker);
  optObject('loadBalancer.breaker', o.breaker);
  return {
    name, strategy, clock, random: o.random ?? Math.random,
    health: resolveHealth(o.healthCheck), outlier: resolveOutlier(o.outlierDetection), levels: resolveLocality(o.locality),
    queue: resolveQueue(o.queue),
  };
}

/** Validates an endpoint list: ids unique non-empty strings, urls strings, sane weights and limits. */
export function validateEndpoints(path: string, endpoints: unknown): asserts endpoints is Endpoint[] {
  if (!Array.isArray(endpoints)) throw new ConfigError(path, `expected an array of endpoints {id, url}, got ${show(endpoints)}`);
  const seen = new Set<string>();
  endpoints.forEach((e: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof e !== 'object' || e === null) throw new ConfigError(at, `expected an endpoint {id, url}, got ${show(e)}`);
    const ep = e as Partial<Endpoint>;
    optString(`${at}.id`, ep.id);
    if (ep.id === undefined) throw new ConfigError(`${at}.id`, 'expected a non-empty string, got undefined');
    if (seen.has(ep.id)) throw new ConfigError(`${at}.id`, `expected a unique id, got duplicate ${show(ep.id)}`);
    seen.add(ep.id);
    if (typeof ep.url !== 'string') throw new ConfigError(`${at}.url`, `expected a URL string, got ${show(ep.url)}`);
    optNumber(`${at}.weight`, ep.weight, Number.MIN_VALUE);
    optNumber(`${at}.maxConnections`, ep.maxConnections, 1, Infinity, true);
    optString(`${at}.region`, ep.region);
    optString(`${at}.zone`, ep.zone);
    if (ep.backup !== undefined && typeof ep.backup !== 'boolean') throw new ConfigError(`${at}.backup`, `expected a boolean, got ${show(ep.backup)}`);
    optObject(`${at}.metadata`, ep.metadata);
  });
}

function resolveHealth(h: LoadBalancerOptions['healthCheck']): ActiveCheckSettings | undefined {
  if (h === undefined) return undefined;
  const p = 'loadBalancer.healthCheck';
  optObject(p, h);
  const intervalMs = optNumber(`${p}.intervalMs`, h.intervalMs, 1) ?? 10_000;
  const timeoutMs = optNumber(`${p}.timeoutMs`, h.timeoutMs, 1) ?? Math.min(5_000, intervalMs);
  const path = h.path ?? '/health';
  if (typeof path !== 'string') throw new ConfigError(`${p}.path`, `expected a path like '/health', got ${show(path)}`);
  optFunction(`${p}.check`, h.check);
  return {
    intervalMs, timeoutMs,
    healthyThreshold: optNumber(`${p}.healthyThreshold`, h.healthyThreshold, 1, 1_000, true) ?? 2,
    unhealthyThreshold: optNumber(`${p}.unhealthyThreshold`, h.unhealthyThreshold, 1, 1_000, true) ?? 3,
    jitterMs: optNumber(`${p}.jitterMs`, h.jitterMs, 0) ?? intervalMs * 0.1,
    check: h.check ?? httpCheck(path),
  };
}

function resolveOutlier(d: LoadBalancerOptions['outlierDetection']): OutlierSettings | undefined {
  if (d === undefined) return undefined;
  const p = 'loadBalancer.outlierDetection';
  optObject(p, d);
  const baseEjectionMs = optNumber(`${p}.baseEjectionMs`, d.baseEjectionMs, 1) ?? 30_000;
  return {
    consecutiveFailures: optNumber(`${p}.consecutiveFailures`, d.consecutiveFailures, 1, 1e9, true) ?? 5,
    baseEjectionMs,
    maxEjectionMs: optNumber(`${p}.maxEjectionMs`, d.maxEjectionMs, baseEjectionMs) ?? Math.max(300_000, baseEjectionMs),
    maxEjectionPercent: optNumber(`${p}.maxEjectionPercent`, d.maxEjectionPercent, 0, 100) ?? 50,
  };
}

/** Longest timer a Node clock can arm (2^31 − 1 ms, ~24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

function resolveQueue(q: LoadBalancerOptions['queue']): QueueSettings {
  const p = 'loadBalancer.queue';
  optObject(p, q);
  return {
    maxPending: optNumber(`${p}.maxPending`, q?.maxPending, 0, 1e9, true) ?? 1000,
    timeoutMs: optNumber(`${p}.timeoutMs`, q?.timeoutMs, 1, MAX_TIMER_MS),
  };
}

function resolveLocality(l: LoadBalancerOptions['locality']): LevelSettings {
  const p = 'loadBalancer.locality';
  optObject(p, l);
  const local = optString(`${p}.local`, l?.local);
  const order = l?.order;
  if (order !== undefined && (!Array.isArray(order) || order.some((r) => typeof r !== 'string' || r === ''))) {
    throw new ConfigError(`${p}.order`, `expected an array of region names, got ${show(order)}`);
  }
  let levels: string[] | undefined;
  if (local !== undefined || order !== undefined) {
    levels = local === undefined ? [] : [local];
    for (const r of order ?? []) if (!levels.includes(r)) levels.push(r);
  }
  return {
    order: levels,
    overprovisioningFactor: optNumber(`${p}.overprovisioningFactor`, l?.overprovisioningFactor, 1, 100) ?? 1.4,
    panicThreshold: optNumber(`${p}.panicThreshold`, l?.panicThreshold, 0, 1) ?? 0.5,
  };
}
