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

const policy = (): Policy =>
  pipeline(
    retry({ maxAttempts: 3, backoff: constantBackoff(1), maxRetryAfterMs: MAX_RETRY_AFTER_MS }),
    timeout(ATTEMPT_TIMEOUT_MS),
  );

let server: RawHttpServer;

/**
 * The server's accepted-connection count once it has stopped moving for 100 ms. Under load a
 * connection whose attempt already timed out on the client can be accepted after the call settled;
 * reading the count at once would miss that attempt.
 */
async function quietCount(): Promise<number> {
  let last = server.accepted;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    if (server.accepted === last) return last;
    last = server.accepted;
  }
}
let crashes: ReturnType<typeof captureCrashes>;
const outcomes: Record<string, Record<string, number>> = { fetch: {}, axios: {} };
const figures: Record<string, string> = {};
const bump = (adapter: string, k: string): void => {
  const o = outcomes[adapter]!;
  o[k] = (o[k] ?? 0) + 1;
};

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
      ...figures,
    },
  });
});

/**
 * Reads a fetch body with a deadline, cancelling the reader when it passes. Needed because Node 20's
 * fetch can leave a body pending forever (an invalid gzip body followed by FIN does it, with or without
 * Breakwater), and reading the body happens after every policy has finished.
 */
async function readBodyWithin(res: Response, ms: number): Promise<'ok' | 'error' | 'stalled'> {
  const reader = res.body?.getReader();
  if (reader === undefined) return 'ok';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<'stalled'>((r) => {
    timer = setTimeout(() => r('stalled'), ms);
  });
  const read = (async (): Promise<'ok' | 'error'> => {
    try {
      for (;;) if ((await reader.read()).done) return 'ok';
    } catch {
      return 'error';
    }
  })();
  const outcome = await Promise.race([read, stalled]);
  clearTimeout(timer);
  if (outcome === 'stalled') await reader.cancel().catch(() => undefined);
  return outcome;
}

/** Runs one call through an adapter; every call must settle, within the bound, as a response or an Error. */
async function settleWithin<T>(
  adapter: string,
  run: () => Promise<T>,
  classify: (v: T) => string,
): Promise<{ ms: number }> {
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<'hang'>((r) => {
    timer = setTimeout(() => r('hang'), CALL_BOUND_MS + 2000);
  });
  const result = await Promise.race([
    run().then(
      (v) => ({ ok: true as const, v }),
      (e: unknown) => ({ ok: false as const, e }),
    ),
    hang,
  ]);
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
  it('fetch adapter: malformed responses settle as a Response or an Error within the retry/timeout bound', async () => {
    const f = createFetch({ policy: policy() });
    await fc.assert(
      fc.asyncProperty(rawResponse, async (r) => {
        const path = server.register(r);
        await settleWithin(
          'fetch',
          async () => {
            const res = await f(`${server.origin}${path}`);
            expect(typeof res.status).toBe('number');
            // Truncated bodies may reject here; that is the transport's classification, not a crash.
            const body = await readBodyWithin(res, 1000);
            if (body === 'stalled') bump('fetch', 'body-stalled');
            return res.status;
          },
          (s) => `status:${s}`,
        );
      }),
      { numRuns: RUNS },
    );
    expect(crashes.errors).toEqual([]);
  });

  it('axios adapter: random malformed responses settle as a response or an AxiosError, within the bound', async () => {
    const instance = axios.create({
      timeout: 0,
      validateStatus: (s) => s >= 200 && s < 300,
      maxContentLength: 1_000_000,
    });
    const eject = withResilience(instance, { policy: policy() });
    try {
      await fc.assert(
        fc.asyncProperty(rawResponse, async (r) => {
          const path = server.register(r);
          await settleWithin(
            'axios',
            () => instance.get(`${server.origin}${path}`, { responseType: 'arraybuffer' }),
            (res) => `status:${res.status}`,
          );
        }),
        { numRuns: RUNS },
      );
    } finally {
      eject();
    }
    expect(crashes.errors).toEqual([]);
  });

  it('503 with a bad Retry-After: backoff, or give up over maxRetryAfterMs; never a NaN, negative or unbounded wait', async () => {
    // Attempts as each adapter's retry policy made them (its 'retry' events), alongside the
    // server's accepted-connection count: a socket count can drift under load, the events cannot.
    const counted = (): { policy: Policy; attempts: () => number } => {
      const r = retry({ maxAttempts: 3, backoff: constantBackoff(1), maxRetryAfterMs: MAX_RETRY_AFTER_MS });
      let retries = 0;
      r.on('retry', () => {
        retries += 1;
      });
      let base = 0;
      return {
        policy: pipeline(r, timeout(ATTEMPT_TIMEOUT_MS)),
        attempts: () => {
          const n = retries + 1 - base;
          base = retries;
          return n;
        },
      };
    };
    const fetchSide = counted();
    const axiosSide = counted();
    const f = createFetch({ policy: fetchSide.policy });
    const instance = axios.create();
    const eject = withResilience(instance, { policy: axiosSide.policy });
    // Values no parser may read as a delay: they must fall back to the backoff and be retried.
    const garbage = new Set([
      'abc',
      '',
      'NaN',
      '-5',
      'Wed, 99 Foo 2099 99:99:99 GMT',
      'Thu, 01 Jan 1970 00:00:00 GMT',
      'Infinity',
    ]);
    const seen: string[] = [];
    try {
      for (const value of badRetryAfter) {
        const mk = (): string =>
          server.register({
            bytes: Buffer.from(
              `HTTP/1.1 503 Busy\r\nRetry-After: ${value}\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy`,
              'latin1',
            ),
            close: 'end',
          });
        const acceptedBefore = server.accepted;
        const { ms } = await settleWithin(
          'fetch',
          async () => {
            const res = await f(`${server.origin}${mk()}`);
            await res.arrayBuffer();
            return res.status;
          },
          (s) => `retry-after:${s}`,
        );
        const attempts = fetchSide.attempts();
        const accepted = (await quietCount()) - acceptedBefore;
        const before2 = server.accepted;
        await settleWithin(
          'axios',
          () => instance.get(`${server.origin}${mk()}`),
          (res) => `retry-after:${res.status}`,
        );
        const axiosAttempts = axiosSide.attempts();
        const axiosAccepted = (await quietCount()) - before2;
        seen.push(`${JSON.stringify(value)}: ${attempts}/${axiosAttempts}`);
        // Every attempt reached the server (a connection each: the answers close them); under load
        // a late accept may still be missing or belong to the previous call, hence ≥ attempts − 1.
        expect(accepted, `Retry-After ${JSON.stringify(value)}: fetch connections`).toBeGreaterThanOrEqual(
          attempts - 1,
        );
        expect(axiosAccepted, `Retry-After ${JSON.stringify(value)}: axios connections`).toBeGreaterThanOrEqual(
          axiosAttempts - 1,
        );
        // One attempt: the hint was read as longer than maxRetryAfterMs, so retrying was pointless (by design).
        expect([1, 3], `Retry-After ${JSON.stringify(value)}: fetch attempts`).toContain(attempts);
        expect([1, 3], `Retry-After ${JSON.stringify(value)}: axios attempts`).toContain(axiosAttempts);
        if (garbage.has(value))
          expect(
            [attempts, axiosAttempts],
            `Retry-After ${JSON.stringify(value)} must fall back to the backoff`,
          ).toEqual([3, 3]);
        expect(ms, `Retry-After ${JSON.stringify(value)}`).toBeLessThanOrEqual(2 * MAX_RETRY_AFTER_MS + 400);
      }
    } finally {
      eject();
      figures['bad Retry-After → attempts fetch/axios'] = seen.join('; ');
    }
  });

  it('status 0, 999 and other out-of-range codes: settled, failures, retried, never a crash', async () => {
    // Attempts as each adapter's retry policy made them (its 'retry' events), alongside the
    // server's accepted-connection count: a socket count can drift under load, the events cannot.
    const counted = (): { policy: Policy; attempts: () => number } => {
      const r = retry({ maxAttempts: 3, backoff: constantBackoff(1), maxRetryAfterMs: MAX_RETRY_AFTER_MS });
      let retries = 0;
      r.on('retry', () => {
        retries += 1;
      });
      let base = 0;
      return {
        policy: pipeline(r, timeout(ATTEMPT_TIMEOUT_MS)),
        attempts: () => {
          const n = retries + 1 - base;
          base = retries;
          return n;
        },
      };
    };
    const fetchSide = counted();
    const axiosSide = counted();
    const f = createFetch({ policy: fetchSide.policy });
    const instance = axios.create();
    const eject = withResilience(instance, { policy: axiosSide.policy });
    const seen: string[] = [];
    try {
      for (const status of [0, 999, 600, 1000]) {
        const mk = (): string =>
          server.register({
            bytes: Buffer.from(`HTTP/1.1 ${status} Odd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, 'latin1'),
            close: 'end',
          });
        let before = server.accepted;
        await settleWithin(
          'fetch',
          async () => {
            const res = await f(`${server.origin}${mk()}`);
            await res.arrayBuffer();
            return res.status;
          },
          (s) => `odd-status:${s}`,
        );
        const fetchAttempts = server.accepted - before;
        before = server.accepted;
        await settleWithin(
          'axios',
          () => instance.get(`${server.origin}${mk()}`),
          (res) => `odd-status:${res.status}`,
        );
        const axiosAttempts = server.accepted - before;
        seen.push(`${status}: ${fetchAttempts}/${axiosAttempts}`);
        // Either a parse error (network error) or a status ≥ 500: a failure either way, so retried.
        expect([fetchAttempts, axiosAttempts], `status ${status}: attempts fetch/axios`).toEqual([3, 3]);
      }
    } finally {
      eject();
      figures['out-of-range status → attempts fetch/axios'] = seen.join('; ');
    }
    expect(crashes.errors).toEqual([]);
  });
});
