import { isRejection, isTimeout, statusOf as httpStatusOf } from '@breakwater/core/internal';
import { redactText } from './redact.js';

/**
 * The HTTP status carried by an attempt's result or error (core's `statusOf`: fetch Response, axios
 * response or AxiosError, TRPCClientError, HttpStatusFailure), looking one level into `{ value }` /
 * `{ error }` wrappers.
 */
export function statusOf(v: unknown): number | undefined {
  const status = httpStatusOf(v);
  if (status !== undefined || typeof v !== 'object' || v === null) return status;
  const o = v as { value?: unknown; error?: unknown };
  return httpStatusOf(o.value) ?? httpStatusOf(o.error);
}

/** `success`, `failure`, `rejected` (Breakwater refused the call) or `timeout`. */
export type Outcome = 'success' | 'failure' | 'rejected' | 'timeout';

/** Classifies a thrown error for `breakwater.outcome`. */
export function outcomeOf(error: unknown): Outcome {
  if (isRejection(error)) return 'rejected';
  if (isTimeout(error)) return 'timeout';
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
  if (isTimeout(error)) return 'timeout';
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
