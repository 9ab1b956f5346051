import { isRejection } from '../kernel/outcome.js';

/** Error codes meaning the connection was never established, so no request bytes reached the server. */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * True when `error` proves the request was never delivered: a connect-phase failure (connection
 * refused, DNS, unreachable host — found on the error or up to four `cause`s deep, where fetch and
 * tRPC put it), or a Breakwater rejection (open breaker, no endpoint, full bulkhead). Such a
 * request may be sent again (to another endpoint) even when it is not idempotent.
 */
export function isNeverSent(error: unknown): boolean {
  if (isRejection(error)) return true;
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECT_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
