import { ConfigError } from '@breakwater/core';

/** Per-request Breakwater options, set as `config.breakwater` on an axios request. */
export interface BreakwaterRequestOptions {
  /** Send this request straight through the original adapter (no policy, no balancer). */
  skip?: boolean;
  /** Retry this request even if it is not idempotent. */
  retryNonIdempotent?: boolean;
  /** Sticky key for consistent hashing (overrides the `stickyKey` option). */
  key?: string;
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Per-request options of `@breakwater/axios`. */
    breakwater?: BreakwaterRequestOptions;
  }
}

/** Validates `config.breakwater` (run by the request interceptor, so mistakes fail before sending). */
export function validateRequestOptions(v: unknown): BreakwaterRequestOptions | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ConfigError(
      'config.breakwater',
      `expected { skip?, retryNonIdempotent?, key? }, got ${v === null ? 'null' : typeof v}`,
    );
  }
  const r = v as Record<string, unknown>;
  for (const k of ['skip', 'retryNonIdempotent'] as const) {
    if (r[k] !== undefined && typeof r[k] !== 'boolean')
      throw new ConfigError(`config.breakwater.${k}`, `expected a boolean, got ${typeof r[k]}`);
  }
  if (r.key !== undefined && typeof r.key !== 'string')
    throw new ConfigError('config.breakwater.key', `expected a string, got ${typeof r.key}`);
  return r as BreakwaterRequestOptions;
}
