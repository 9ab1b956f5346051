export { instrument } from './instrument.js';
export type { InstrumentOptions } from './telemetry.js';
export { injectTraceHeaders } from './propagation.js';
export { HTTP_CONTEXT_KEY, type HttpRequestInfo } from './request-info.js';
export { ATTR, EVENT, METRIC, DURATION_BUCKETS } from './attributes.js';
export { STATE_VALUE, observeBreaker } from './breaker-telemetry.js';
export { redactUrl, redactText, SENSITIVE_HEADERS } from './redact.js';
