import type { LoadBalancer } from '../balancing/types.js';
import type { CircuitBreaker, StateChangeEvent } from '../breaker/types.js';
import { ConfigError } from '../errors.js';

/** The logger surface `logEvents` needs: pino, bunyan-style and console-like adapters all fit. */
export interface EventLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Anything with a breaker's `stateChange` event. */
export interface BreakerLike {
  readonly name: string;
  on(event: 'stateChange', fn: (e: StateChangeEvent) => void): () => void;
}

/** Anything with a balancer's events (duck-typed: the balancer lives in another module). */
export interface BalancerLike {
  readonly name?: string;
  on(event: 'health' | 'ejection' | 'regionChange', fn: (e: Record<string, unknown>) => void): () => void;
}

/** JSON object logged for one breaker transition. */
export interface BreakerStateChangeLog {
  event: 'circuit_breaker_state_change';
  name: string;
  from: string;
  to: string;
  reason: string;
  remote: boolean;
  generation: number;
  at: number;
}

function isBreaker(source: object): source is BreakerLike {
  const s = source as Record<string, unknown>;
  return typeof s['isolate'] === 'function' && typeof s['metrics'] === 'function';
}

/** `scheme://user:password@` anywhere in a string (whole URLs, or URLs inside messages). */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi;

/** Strips URL credentials from strings (and error messages) so logs never carry them. */
function redact(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('@') ? value.replace(URL_CREDENTIALS, '$1') : value;
  if (value instanceof Error) return { type: value.name, message: redact(value.message) };
  return value;
}

/** Copies a balancer event into a flat JSON-ready object (no functions, errors as messages, no URL credentials). */
function sanitize(e: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === 'function' || k.toLowerCase() === 'authorization' || k.toLowerCase() === 'cookie') continue;
    out[k] = redact(v);
  }
  return out;
}

function logBreaker(source: BreakerLike, logger: EventLogger): () => void {
  return source.on('stateChange', (e) => {
    const obj: BreakerStateChangeLog = {
      event: 'circuit_breaker_state_change',
      name: e.name,
      from: e.from,
      to: e.to,
      reason: String(redact(e.reason)),
      remote: e.remote,
      generation: e.generation,
      at: e.at,
    };
    const remote = e.remote ? ' (remote)' : '';
    const msg = `circuit breaker "${e.name}" ${e.from} → ${e.to}${remote}: ${String(redact(e.reason))}`;
    if (e.to === 'open' || e.to === 'isolated') logger.warn(obj, msg);
    else logger.info(obj, msg);
  });
}

/** `: reason` when the event has one. */
function because(e: Record<string, unknown>): string {
  return e['reason'] === undefined ? '' : `: ${String(e['reason'])}`;
}

function logBalancer(source: BalancerLike, logger: EventLogger): () => void {
  const balancer = typeof source.name === 'string' ? source.name : undefined;
  const offHealth = source.on('health', (raw) => {
    const e = sanitize(raw);
    const obj = { event: 'endpoint_health_change', balancer, ...e };
    const msg = `endpoint ${String(e['endpoint'])} is ${e['healthy'] === true ? 'healthy' : 'unhealthy'}${because(e)}`;
    if (e['healthy'] === true) logger.info(obj, msg);
    else logger.warn(obj, msg);
  });
  const offEjection = source.on('ejection', (raw) => {
    const e = sanitize(raw);
    const ejected = e['ejected'] !== false;
    const obj = { event: 'endpoint_ejection', balancer, ...e };
    const msg = `endpoint ${String(e['endpoint'])} ${ejected ? 'ejected' : 'returned'}${because(e)}`;
    if (ejected) logger.warn(obj, msg);
    else logger.info(obj, msg);
  });
  const offRegion = source.on('regionChange', (raw) => {
    const e = sanitize(raw);
    // A region change is a failover (or a failback): worth a warning either way.
    logger.warn(
      { event: 'region_change', balancer, ...e },
      `traffic moved from region ${String(e['from'])} to ${String(e['to'])}${because(e)}`,
    );
  });
  // Per-endpoint breakers live inside the balancer; their transitions come as its 'breaker' event
  // (balancers from other sources may not have it).
  let offBreaker = (): void => undefined;
  try {
    offBreaker = (
      source as unknown as { on(event: 'breaker', fn: (e: Record<string, unknown>) => void): () => void }
    ).on('breaker', (raw) => {
      const e = sanitize(raw);
      const obj = { event: 'endpoint_breaker_state_change', balancer, ...e };
      const remote = e['remote'] === true ? ' (remote)' : '';
      const transition = `${String(e['from'])} → ${String(e['to'])}`;
      const msg = `endpoint ${String(e['endpoint'])} breaker ${transition}${remote}${because(e)}`;
      if (e['to'] === 'open' || e['to'] === 'isolated') logger.warn(obj, msg);
      else logger.info(obj, msg);
    });
  } catch {
    // No 'breaker' event on this source.
  }
  return () => {
    offHealth();
    offEjection();
    offRegion();
    offBreaker();
  };
}

/**
 * Logs a breaker's or a balancer's events as one JSON-ready object each, pino-style
 * (`logger.info(obj, msg)`):
 * - breaker: `{ event: 'circuit_breaker_state_change', name, from, to, reason, remote, generation, at }`,
 *   `warn` when it opens or is isolated, `info` otherwise;
 * - balancer: `endpoint_health_change` (warn when unhealthy), `endpoint_ejection` (warn when
 *   ejected), `region_change` (warn), `endpoint_breaker_state_change` (an endpoint's breaker; warn
 *   when it opens or is isolated), each with the balancer's name and the event's fields.
 * URL credentials, `authorization`/`cookie` fields and functions are never logged; errors become
 * `{ type, message }`. Returns a function that detaches every listener.
 *
 * @example
 * import pino from 'pino';
 * const stop = logEvents(breaker, pino());
 */
export function logEvents(
  source: CircuitBreaker | LoadBalancer | BreakerLike | BalancerLike,
  logger: EventLogger,
): () => void {
  if (typeof source !== 'object' || source === null || typeof (source as { on?: unknown }).on !== 'function') {
    throw new ConfigError(
      'logEvents.source',
      'expected a CircuitBreaker or a LoadBalancer (an object with on(event, fn))',
    );
  }
  if (typeof logger?.info !== 'function' || typeof logger.warn !== 'function') {
    throw new ConfigError(
      'logEvents.logger',
      'expected a logger with info(obj, msg) and warn(obj, msg), e.g. a pino instance',
    );
  }
  return isBreaker(source) ? logBreaker(source, logger) : logBalancer(source as BalancerLike, logger);
}
