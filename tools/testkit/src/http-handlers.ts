import type { TestHandler } from './http-server.js';

/**
 * A {@link TestHandler} that answers the first request carrying a given body with `firstStatus` and
 * every later one with the same body with `thenStatus`. For idempotency tests: a POST that is
 * retried fails once and then succeeds, while a POST that is not retried stays failed.
 */
export function firstTryPerBody(firstStatus: number, thenStatus: number, reply = ''): TestHandler {
  const seen = new Map<string, number>();
  return (_req, res, body) => {
    const n = (seen.get(body) ?? 0) + 1;
    seen.set(body, n);
    res.statusCode = n === 1 ? firstStatus : thenStatus;
    res.end(reply);
  };
}
