import { circuitBreaker, consecutiveFailures, pipeline, retry, timeout, type Policy } from '@breakwater/core';
import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import { onTestFinished } from 'vitest';
import { withResilience } from '../index.js';

/**
 * Test helpers of the transparency suite: the same request through plain axios and through an
 * instance wrapped with a policy that should be invisible (one attempt, a breaker that never
 * opens, a 60 s timeout) must give the same outcome.
 */

let n = 0;

/** retry({ maxAttempts: 1 }), a breaker that never opens, timeout(60 s). */
export function invisiblePolicy(): Policy {
  const breaker = circuitBreaker({ name: `axios-transparency-${n++}`, trip: consecutiveFailures(1_000_000) });
  onTestFinished(() => breaker.dispose());
  return pipeline(retry({ maxAttempts: 1 }), breaker, timeout(60_000));
}

/** A plain instance and a wrapped one made from the same defaults. */
export function pair(defaults: CreateAxiosDefaults = {}): { plain: AxiosInstance; wrapped: AxiosInstance } {
  const plain = axios.create(defaults);
  const wrapped = axios.create(defaults);
  onTestFinished(withResilience(wrapped, { policy: invisiblePolicy() }));
  return { plain, wrapped };
}

/** What the caller can observe of a settled request, minus what differs per run (timing, sockets). */
export interface Observed {
  ok: boolean;
  status?: number | undefined;
  data?: unknown;
  contentType?: unknown;
  name?: string;
  code?: string | undefined;
  message?: string;
  isCancel?: boolean;
  hasRequest?: boolean;
  configKeys?: string[];
  configUrl?: unknown;
  configSignalIsCallers?: boolean;
}

/** Settles `p` and describes it. `signal`: the caller's, to check what `config.signal` is. */
export async function observe(p: Promise<unknown>, signal?: unknown): Promise<Observed> {
  try {
    const res = (await p) as {
      status: number;
      data: unknown;
      headers: Record<string, unknown>;
      config: Record<string, unknown>;
    };
    return {
      ok: true,
      status: res.status,
      data: res.data,
      contentType: res.headers['content-type'],
      configKeys: Object.keys(res.config).sort(),
      configUrl: res.config.url,
      configSignalIsCallers: res.config.signal === signal,
    };
  } catch (e) {
    const err = e as {
      name: string;
      code?: string;
      message: string;
      response?: { status: number; data: unknown };
      request?: unknown;
      config?: Record<string, unknown>;
    };
    return {
      ok: false,
      name: err.name,
      code: err.code,
      message: err.message,
      status: err.response?.status,
      data: err.response?.data,
      isCancel: axios.isCancel(e),
      hasRequest: err.request !== undefined,
      configKeys: err.config === undefined ? [] : Object.keys(err.config).sort(),
      configUrl: err.config?.url,
      configSignalIsCallers: err.config?.signal === signal,
    };
  }
}

/** Runs `request` on both instances (one after the other) and returns both observations. */
export async function both(
  defaults: CreateAxiosDefaults,
  request: (api: AxiosInstance) => { p: Promise<unknown>; signal?: unknown },
): Promise<[Observed, Observed]> {
  const { plain, wrapped } = pair(defaults);
  const a = request(plain);
  const x = await observe(a.p, a.signal);
  const b = request(wrapped);
  const y = await observe(b.p, b.signal);
  return [x, y];
}
