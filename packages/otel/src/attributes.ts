/**
 * Attribute names. HTTP ones follow the stable OpenTelemetry HTTP client semantic conventions;
 * `breakwater.*` ones are this library's own (resilience has no semantic convention yet, see
 * open-telemetry/semantic-conventions#2355) and may change.
 */
export const ATTR = {
  HTTP_METHOD: 'http.request.method',
  HTTP_METHOD_ORIGINAL: 'http.request.method_original',
  HTTP_STATUS: 'http.response.status_code',
  HTTP_RESEND_COUNT: 'http.request.resend_count',
  URL_FULL: 'url.full',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  ERROR_TYPE: 'error.type',
  /** `policy`, `breaker` or `balancer`: what `instrument()` wrapped. */
  TARGET: 'breakwater.target',
  /** 0-based attempt number of an attempt span. */
  ATTEMPT: 'breakwater.attempt',
  /** Attempts a logical call made. */
  ATTEMPTS: 'breakwater.attempts',
  ENDPOINT_ID: 'breakwater.endpoint.id',
  ENDPOINT_REGION: 'breakwater.endpoint.region',
  /** `success`, `failure`, `rejected` (never reached the dependency) or `timeout`. */
  OUTCOME: 'breakwater.outcome',
  CIRCUIT_NAME: 'breakwater.circuit.name',
  CIRCUIT_STATE: 'breakwater.circuit.state',
  CIRCUIT_FROM: 'breakwater.circuit.from',
  CIRCUIT_REASON: 'breakwater.circuit.reason',
  CIRCUIT_REMOTE: 'breakwater.circuit.remote',
  /** true on a call whose failure a fallback policy replaced. */
  FALLBACK: 'breakwater.fallback',
} as const;

/** Span event names. */
export const EVENT = {
  /** A breaker changed state (from, to, reason, remote). */
  CIRCUIT_STATE_CHANGE: 'breakwater.circuit.state_change',
  /** Policy events (from the policies' own `on()` events), on the call's span. */
  RETRY: 'breakwater.retry',
  GIVE_UP: 'breakwater.retry.give_up',
  TIMEOUT: 'breakwater.timeout',
  REJECTED: 'breakwater.rejected',
  FALLBACK: 'breakwater.fallback',
  HEDGE: 'breakwater.hedge',
  HEDGE_WINNER: 'breakwater.hedge.winner',
} as const;

/** Metric names. */
export const METRIC = {
  /** Histogram, seconds, per attempt (HTTP semantic conventions). */
  HTTP_CLIENT_DURATION: 'http.client.request.duration',
  /** Counter, per logical call, by `breakwater.outcome`. */
  REQUESTS: 'breakwater.client.requests',
  /** Observable gauge per breaker: 0 closed, 1 open, 2 half-open, 3 isolated. */
  CIRCUIT_STATE: 'breakwater.circuit.state',
} as const;

/** Bucket boundaries the HTTP semantic conventions advise for request durations (seconds). */
export const DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
