import { redactText } from './redact.js';

function isStatus(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599;
}

/**
 * The HTTP status carried by an attempt's result or error: `status` (fetch Response, axios
 * response), `response.status` (AxiosError, Breakwater's HttpStatusFailure), `data.httpStatus`
 * (TRPCClientError), looking one level into `{ value }` / `{ error }` wrappers.
 */
export function statusOf(v: unknown, depth = 0): number | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as { status?: unknown; response?: { status?: unknown } | null; data?: { httpStatus?: unknown } | null; value?: unknown; error?: unknown };
  if (isStatus(o.status)) return o.status;
  if (typeof o.response === 'object' && o.response !== null && isStatus(o.response.status)) return o.response.status;
  if (typeof o.data === 'object' && o.data !== null && isStatus(o.data.httpStatus)) return o.data.httpStatus;
  if (depth === 0) return statusOf(o.value, 1) ?? statusOf(o.error, 1);
  return undefined;
}

const REJECTIONS = new Set(['BW_CIRCUIT_OPEN', 'BW_CIRCUIT_ISOLATED', 'BW_BULKHEAD_FULL', 'BW_RATE_LIMITED', 'BW_NO_ENDPOINT', 'BW_SATURATED', 'BW_CLOSED']);

/** `success`, `failure`, `rejected` (Breakwater refused the call) or `timeout`. */
export type Outcome = 'success' | 'failure' | 'rejected' | 'timeout';

/** Classifies a thrown error for `breakwater.outcome`. */
export function outcomeOf(error: unknown): Outcome {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && REJECTIONS.has(code)) return 'rejected';
  if (code === 'BW_TIMEOUT' || (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError')) return 'timeout';
  return 'failure';
}

/**
 * `error.type`: the status code for HTTP errors ("503"), `timeout`, Breakwater's error code for its
 * rejections, the error's `code` or class name otherwise (low cardinality), `_OTHER` as last resort.
 */
export function errorTypeOf(error: unknown, status: number | undefined): string {
  if (status !== undefined && status >= 400) return String(status);
  if (typeof error !== 'object' || error === null) return '_OTHER';
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (code === 'BW_TIMEOUT' || name === 'TimeoutError') return 'timeout';
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  if (typeof name === 'string' && /^[A-Za-z][\w.]{0,60}$/.test(name) && name !== 'Error') return name;
  return '_OTHER';
}

/** An exception as recorded on spans: name and redacted message/stack (no secrets from URLs). */
export function exceptionOf(error: unknown): { name: string; message: string; stack?: string } {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const e = error as { name?: unknown; message?: unknown; stack?: unknown };
    const out: { name: string; message: string; stack?: string } = {
      name: typeof e.name === 'string' ? e.name : 'Error',
      message: redactText(String(e.message)),
    };
    if (typeof e.stack === 'string') out.stack = redactText(e.stack);
    return out;
  }
  return { name: typeof error, message: redactText(String(error)).slice(0, 200) };
}
