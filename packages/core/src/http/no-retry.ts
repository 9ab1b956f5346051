/**
 * The "do not retry this" convention between adapters and retry policies. An adapter marks a
 * failure of a non-idempotent request (POST without `Idempotency-Key`, a tRPC mutation) so that
 * retry policies stop, while breakers and balancers still count the failure. Retry policies call
 * {@link isNonRetryable} before their own `retryOn`.
 *
 * A WeakSet rather than a property: the marked objects are often the caller's own error types
 * (AxiosError, TRPCClientError) and we do not want to change their shape.
 */
const marked = new WeakSet<object>();

/** Marks `error` as not to be retried and returns it. Primitives cannot be marked and are returned as is. */
export function markNonRetryable<E>(error: E): E {
  if (typeof error === 'object' && error !== null) marked.add(error);
  return error;
}

/** True when `error` was marked with {@link markNonRetryable}. */
export function isNonRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && marked.has(error);
}
