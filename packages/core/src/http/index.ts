// Shared HTTP rules for the adapters (@breakwater/axios, @breakwater/fetch, @breakwater/trpc).
export { parseRetryAfter } from './retry-after.js';
export { readHeader, type HeaderSource } from './headers.js';
export { statusOf, responseHeadersOf, retryAfterHeaderOf } from './status.js';
export { isFailureStatus, defaultIsFailure } from './classify.js';
export { HttpStatusFailure } from './status-failure.js';
export { markNonRetryable, isNonRetryable } from '../kernel/non-retryable.js';
export { isNeverSent } from './never-sent.js';
export { IDEMPOTENT_METHODS, isRetryableRequest } from './idempotency.js';
export { isAbsoluteUrl, joinUrl, splitCredentials } from './url.js';
export { headerValue, isSensitiveParam, redactText, redactUrl, SENSITIVE_HEADERS } from '../kernel/redact.js';
export { readCookie, resolveStickyKey, validateStickyKey, type StickyKey, type StickyRequest } from './sticky-key.js';
export { setTracePropagator, resolveTracePropagator, traceHeaders, type TracePropagator } from './propagation.js';
export {
  resolveHttpAdapterOptions,
  resolvePoolingOption,
  type HttpAdapterOptions,
  type ResolvedHttpAdapterOptions,
} from './options.js';
export {
  resilientCall,
  attemptSignal,
  isAbortableAttempt,
  type ResilientCallOptions,
  type ResilientCallSettle,
} from './resilient-call.js';
export { EndpointPools, type PoolFactory } from './endpoint-pools.js';
export { AttemptAbort } from './attempt-abort.js';
export { onAttemptAbort, attemptAbortState, AttemptSignalLike } from './attempt-abort-hook.js';
export { isAbortSignalLike } from './signal-like.js';
// One listener per AbortSignal however many calls wait on it: adapters that link a caller's
// long-lived signal to response bodies (@breakwater/fetch) use the same registry as the policies.
export { listenAbort, unlistenAbort } from '../kernel/abort-fanout.js';
