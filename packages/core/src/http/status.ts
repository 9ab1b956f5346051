// The adapter kit reads statuses with the kernel's readers: retry (Retry-After) and the balancer (request
// events) need them below this layer.
export { statusOf, responseHeadersOf, retryAfterHeaderOf } from '../kernel/response-status.js';
