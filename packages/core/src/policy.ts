import type { Endpoint } from './kernel/endpoint.js';

/** Options a caller passes to one logical call. */
export interface ExecuteOptions {
  /** Aborting it rejects the call at once with the signal's reason and aborts `ctx.signal`. */
  signal?: AbortSignal;
  /** Sticky/cache key: consistent hashing and cacheFallback use it. */
  key?: string;
  /** Free-form data handed to every attempt (adapters put the request here). */
  context?: Record<string, unknown>;
}

/** What the protected function receives on each attempt. */
export interface AttemptContext {
  /** Aborted when the caller aborts, a timeout fires, or a hedge loses. */
  signal: AbortSignal;
  /** 0-based attempt number (retries increment it). */
  attempt: number;
  /** Set by a balancer's policy (`balancer.asPolicy()`). */
  endpoint?: Endpoint | undefined;
  context: Record<string, unknown>;
}

/** The protected function. */
export type PolicyFn<T> = (ctx: AttemptContext) => T | PromiseLike<T>;

/** Anything that can run a function with resilience around it. */
export interface Policy {
  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T>;
}
