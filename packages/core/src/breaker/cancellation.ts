// Moved to the kernel (issue 18.2); re-exported until the breaker's modules import it from there.
export { isTimeout, attemptAbort, isCancelled, NOT_ABORTED, CANCELLED, TIMED_OUT, type AttemptAbort } from '../kernel/abort-reasons.js';
