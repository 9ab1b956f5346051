/**
 * `@breakwater/core/internal`: the pieces Breakwater's own packages share with the core — the HTTP
 * adapter kit of `src/http/` (used by @breakwater/fetch, @breakwater/axios, @breakwater/trpc), the
 * store and trip-strategy protocols (@breakwater/redis), abort fan-out, classification helpers,
 * implementation classes and test/bench utilities.
 *
 * **Not public API. No semver guarantee**: any name here may change or disappear in any release,
 * patch releases included, in step with the Breakwater packages that use it (they pin the core's
 * version). Applications import from `@breakwater/core` only. The idea is tRPC's
 * `@trpc/server/unstable-core-do-not-import`.
 *
 * @packageDocumentation
 */

// HTTP adapter kit (src/http/): classification, idempotency, Retry-After, URLs, sticky keys,
// trace propagation, the resilientCall engine, per-endpoint pools, attempt abort hooks.
export * from './http/index.js';

// Kernel (issue 18.2): outcome classification and breaker-state gauge values (@breakwater/otel,
// @breakwater/prometheus), abort reasons, the options vocabulary (@breakwater/trpc, @breakwater/redis).
export { isTimeoutLike, REJECTION_CODES, STATE_VALUE } from './kernel/outcome.js';
export { isTimeout } from './kernel/abort-reasons.js';
export {
  checkBoolean,
  checkFunction,
  checkInt,
  checkNumber,
  checkOptions,
  checkString,
  describeValue,
  suggestKey,
  type NumberBounds,
} from './kernel/options.js';

// Errors: the brand isBreakwaterError recognises across copies of the package.
export { BREAKWATER_ERROR_BRAND } from './errors.js';

// Policies: retry internals.
export { MAX_ATTEMPTS, retryAfterMsOf } from './policies/index.js';

// Circuit breaker: implementation class, default classification, snapshot format, trip-strategy protocol.
export {
  type CircuitBreakerPolicy,
  defaultBreakerIsFailure,
  isRejection,
  SNAPSHOT_VERSION,
  PREDICTIVE_FEATURES,
  sigmoid,
  type BreakerEvents,
  type TripOptions,
  type SnapshotTime,
} from './breaker/index.js';
export type { TripEvaluator, CallOutcome } from './breaker/types.js';

// Shared breaker state: the protocol between a breaker and a BreakerStore (@breakwater/redis).
export { nextGeneration, isNewerGeneration, sequenceGeneration } from './store/index.js';
export { DEFAULT_HALF_OPEN_AFTER_MS } from './breaker/options.js';
export type {
  BreakerLink,
  BreakerParticipant,
  ParticipantView,
  ParticipantCallbacks,
  SharedBreakerState,
  OutcomeTotals,
} from './store/types.js';

// Load balancing: implementation class, hashing, region maths, seedable randomness (tests, benches).
export { Balancer, greatCircleKm, priorityLoads, hash32, seededRandom } from './balancing/index.js';
