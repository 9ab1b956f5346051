import { z } from 'zod';
import { duration, integer, name, percentage } from './fields.js';

/** Settings one breaker can have; every key optional (defaults and per-service overrides). */
const breakerFields = {
  failure_threshold: percentage(
    'Failure rate (percent of calls in the window) that opens the breaker (default 50)',
  ).optional(),
  timeout: duration('How long the breaker stays open before a probe (default 30s)').optional(),
  min_requests: integer(1, 'Calls the window must hold before the rate counts (default 10)').optional(),
  window_size: duration('Length of the sliding time window (default 10s)', 1).optional(),
  window_buckets: integer(1, 'Buckets of the time window (default 10)', 1_000).optional(),
  mode: z
    .enum(['enforce', 'shadow'])
    .meta({ description: 'shadow: track and report, never reject (dry run)' })
    .optional(),
  half_open: z
    .strictObject({
      max_probes: integer(1, 'Concurrent probes admitted while half-open (default 1)').optional(),
      successes_to_close: integer(1, 'Probe successes that close the breaker (default 1)').optional(),
      probe_timeout: duration('A probe held longer than this counts as failed').optional(),
    })
    .optional(),
  slow_call: z
    .strictObject({
      threshold: duration('A success slower than this is a slow call'),
      rate_threshold: percentage('Slow-call rate (percent) that opens the breaker'),
    })
    .optional(),
};

/** Per-service overrides: the same keys as the defaults. */
export const breakerOverrideSchema = z.strictObject(breakerFields);

/** The `circuit_breaker` section: defaults plus `services.<name>` overrides. */
export const circuitBreakerSchema = z.strictObject({
  ...breakerFields,
  services: z
    .record(name('Service name'), breakerOverrideSchema)
    .meta({ description: 'Per-service overrides of the defaults above; breakerFor(<name>) uses them' })
    .optional(),
});

/** The resolved settings of one breaker (defaults applied). */
export interface BreakerSettings {
  /** Percent 0..100. */
  failureThreshold: number;
  /** Open → half-open, ms. */
  timeoutMs: number;
  minRequests: number;
  windowMs: number;
  windowBuckets: number;
  mode: 'enforce' | 'shadow';
  halfOpen: { maxProbes?: number; successesToClose?: number; probeTimeoutMs?: number };
  slowCall?: { thresholdMs: number; ratePercent: number };
}

/** Defaults used when the file leaves a key out. */
export const BREAKER_DEFAULTS: Readonly<BreakerSettings> = Object.freeze({
  failureThreshold: 50,
  timeoutMs: 30_000,
  minRequests: 10,
  windowMs: 10_000,
  windowBuckets: 10,
  mode: 'enforce',
  halfOpen: {},
});

type BreakerFields = z.output<typeof breakerOverrideSchema>;

/** Applies `override` (a service's section) on top of `base`. */
export function resolveBreakerSettings(base: BreakerSettings, override: BreakerFields | undefined): BreakerSettings {
  if (override === undefined) return base;
  const halfOpen = { ...base.halfOpen };
  if (override.half_open?.max_probes !== undefined) halfOpen.maxProbes = override.half_open.max_probes;
  if (override.half_open?.successes_to_close !== undefined)
    halfOpen.successesToClose = override.half_open.successes_to_close;
  if (override.half_open?.probe_timeout !== undefined) halfOpen.probeTimeoutMs = override.half_open.probe_timeout;
  const slow = override.slow_call;
  const out: BreakerSettings = {
    failureThreshold: override.failure_threshold ?? base.failureThreshold,
    timeoutMs: override.timeout ?? base.timeoutMs,
    minRequests: override.min_requests ?? base.minRequests,
    windowMs: override.window_size ?? base.windowMs,
    windowBuckets: override.window_buckets ?? base.windowBuckets,
    mode: override.mode ?? base.mode,
    halfOpen,
  };
  const slowCall =
    slow !== undefined ? { thresholdMs: slow.threshold, ratePercent: slow.rate_threshold } : base.slowCall;
  if (slowCall !== undefined) out.slowCall = slowCall;
  return out;
}
