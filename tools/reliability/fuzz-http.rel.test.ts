import axios from 'axios';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constantBackoff, pipeline, retry, timeout, type Policy } from '@breakwater/core';
import { createFetch } from '@breakwater/fetch';
import { withResilience } from '@breakwater/axios';
import { badRetryAfter, rawResponse } from './fuzz/http-arbitraries.js';
import { captureCrashes } from './harness/leak-probe.js';
import { startRawHttpServer, type RawHttpServer } from './harness/raw-http-server.js';
import { recordFigures } from './harness/results.js';

const RUNS = Number(process.env['BW_REL_HTTP_RUNS'] ?? 300);
const MAX_RETRY_AFTER_MS = 100;
const ATTEMPT_TIMEOUT_MS = 1000;
/** Worst case for one call: every attempt times out, every retry waits the capped Retry-After. */
const CALL_BOUND_MS = 3 * ATTEMPT_TIMEOUT_MS + 2 * MAX_RETRY_AFTER_MS + 500;

const policy = (): Policy => pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(1), maxRetryAfterMs: MAX_RETRY_AFTER_MS }), timeout(ATTEMPT_TIMEOUT_MS));

let server: RawHttpServer;
let crashes: ReturnType<typeof captureCrashes>;
const outcomes: Record<string, Record<string, number>> = { fetch: {}, axios: {} };
const bump = (adapter: string, k: string): void => { const o = outcomes[adapter]!; o[k] = (o[k] ?? 0) + 1; };

beforeAll(async () => {
  server = await startRawHttpServer();
  crashes = captureCrashes();
});
afterAll(async () => {
  crashes.stop();
  await server.close();
  recordFigures('70-fuzz-http', {
    title: 'Fuzz: malformed HTTP responses through the fetch and axios adapters',
    note: `Raw TCP server: odd status lines (0, 999, garbage), bad Retry-After, huge/many headers, truncated and mis-framed bodies, RST/FIN/hold. ${RUNS} random responses per adapter plus a table of bad Retry-After values; retry(3) → timeout(${ATTEMPT_TIMEOUT_MS} ms), maxRetryAfterMs ${MAX_RETRY_AFTER_MS}.`,
    rows: {
      'fetch outcomes': JSON.stringify(outcomes['fetch']),
      'axios outcomes': JSON.stringify(outcomes['axios']),
      'uncaught exceptions / unhandled rejections': crashes.errors.length,
    },
  });
});

/** Runs one call through an adapter; every call must settle, within the bound, as a response or an Error. */
async function settleWithin<T>(adapter: string, run: () => Promise<T>, classify: (v: T) => string): Promise<{ ms: number }> {
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<'hang'>((r) => { timer = setTimeout(() => r('hang'), CALL_BOUND_MS + 2000); });
  const result = await Promise.race([run().then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e })), hang]);
  clearTimeout(timer);
  const ms = performance.now() - t0;
  if (result === 'hang') throw new Error(`${adapter}: call did not settle within ${CALL_BOUND_MS + 2000} ms`);
  if (result.ok) bump(adapter, classify(result.v));
  else {
    expect(result.e, `${adapter} rejected with a non-Error`).toBeInstanceOf(Error);
    bump(adapter, `error:${(result.e as { code?: string }).code ?? (result.e as Error).name}`);
  }
  expect(ms, `${adapter}: call took ${ms} ms`).toBeLessThanOrEqual(CALL_BOUND_MS);
  return { ms };
}

describe('fuzz: malformed HTTP → classified, no crash', () => {
  it('fetch adapter: random malformed responses settle as a Response or an Error, within the retry/timeout bound', async () => {
    const f = createFetch({ policy: policy() });
    await fc.assert(fc.asyncProperty(rawResponse, async (r) => {
      const path = server.register(r);
      await settleWithin('fetch', async () => {
        const res = await f(`${server.origin}${path}`);
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThanOrEqual(599);
        // Truncated bodies may reject here; that is the transport's classification, not a crash.
        await res.arrayBuffer().catch(() => undefined);
        return res.status;
      }, (s) => `status:${s}`);
    }), { numRuns: RUNS });
    expect(crashes.errors).toEqual([]);
  });

  it('axios adapter: random malformed responses settle as a response or an AxiosError, within the bound', async () => {
    const instance = axios.create({ timeout: 0, validateStatus: (s) => s >= 200 && s < 300, maxContentLength: 1_000_000 });
    const eject = withResilience(instance, { policy: policy() });
    try {
      await fc.assert(fc.asyncProperty(rawResponse, async (r) => {
        const path = server.register(r);
        await settleWithin('axios', () => instance.get(`${server.origin}${path}`, { responseType: 'arraybuffer' }), (res) => `status:${res.status}`);
      }), { numRuns: RUNS });
    } finally {
      eject();
    }
    expect(crashes.errors).toEqual([]);
  });

  it('503 with a bad Retry-After: retried with a bounded delay (never NaN, negative or unbounded)', async () => {
    const f = createFetch({ policy: policy() });
    const instance = axios.create();
    const eject = withResilience(instance, { policy: policy() });
    try {
      for (const value of badRetryAfter) {
        const mk = (): string => server.register({ bytes: Buffer.from(`HTTP/1.1 503 Busy\r\nRetry-After: ${value}\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy`, 'latin1'), close: 'end' });
        const acceptedBefore = server.accepted;
        const { ms } = await settleWithin('fetch', async () => { const res = await f(`${server.origin}${mk()}`); await res.arrayBuffer(); return res.status; }, (s) => `retry-after:${s}`);
        // fetch ends with the last 503 after all three attempts; each attempt is a fresh connection.
        expect(server.accepted - acceptedBefore, `Retry-After ${JSON.stringify(value)}: attempts`).toBe(3);
        expect(ms, `Retry-After ${JSON.stringify(value)}`).toBeLessThanOrEqual(2 * MAX_RETRY_AFTER_MS + 400);
        const before2 = server.accepted;
        await settleWithin('axios', () => instance.get(`${server.origin}${mk()}`), (res) => `retry-after:${res.status}`);
        expect(server.accepted - before2, `axios Retry-After ${JSON.stringify(value)}: attempts`).toBe(3);
      }
    } finally {
      eject();
    }
  });

  it('status 0 and 999 → network errors classified as failures (retried), never a crash', async () => {
    const f = createFetch({ policy: policy() });
    for (const status of [0, 999]) {
      const path = server.register({ bytes: Buffer.from(`HTTP/1.1 ${status} Odd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, 'latin1'), close: 'end' });
      const before = server.accepted;
      await expect(f(`${server.origin}${path}`)).rejects.toBeInstanceOf(Error);
      expect(server.accepted - before, `status ${status}: attempts`).toBe(3);
    }
  });
});
