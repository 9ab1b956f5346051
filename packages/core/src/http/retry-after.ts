// Retry-After parsing lives in the kernel: the retry policy honours it below the adapter kit.
export { parseRetryAfter } from '../kernel/retry-after.js';
