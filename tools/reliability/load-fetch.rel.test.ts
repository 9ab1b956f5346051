import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Agent, fetch as undiciFetch } from 'undici';
import { circuitBreaker, consecutiveFailures, constantBackoff, pipeline, retry, timeout } from '@breakwater/core';
import { seededRandom } from '@breakwater/testkit';
import { createFetch } from '@breakwater/fetch';
import { activeResources, captureWarnings, settledHeapUsed, waitForResourceBaseline } from './harness/leak-probe.js';
import { recordFigures } from './harness/results.js';
import { LatencyRecorder, round } from './harness/latency.js';

const TOTAL = Number(process.env['BW_REL_FETCH_CALLS'] ?? 100_000);
const CONCURRENCY = 64;
const POOL = 16;

/**
 * A real HTTP server on 127.0.0.1:0 that answers 200 mostly, sometimes 503 (with a body the client
 * must discard), sometimes slowly.
 */
async function startUpstream(
  seed: number,
): Promise<{ url: string; maxOpen: () => number; open: () => number; requests: () => number; close(): Promise<void> }> {
  const random = seededRandom(seed);
  const sockets = new Set<Socket>();
  let maxOpen = 0;
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests += 1;
    req.resume();
    const r = random();
    const send = (): void => {
      if (r < 0.05) {
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '0' });
        res.end('x'.repeat(2048));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }
    };
    if (r > 0.98) setTimeout(send, 2);
    else send();
  });
  server.keepAliveTimeout = 5000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    maxOpen = Math.max(maxOpen, sockets.size);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    maxOpen: () => maxOpen,
    open: () => sockets.size,
    requests: () => requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('load: 100k calls through @breakwater/fetch against a real node:http server', () => {
  it(`keeps server-side connections within the client pool (${POOL}) and leaks nothing`, async () => {
    const warnings = captureWarnings();
    const resourcesBefore = activeResources();
    const upstream = await startUpstream(7);
    const agent = new Agent({ connections: POOL, keepAliveTimeout: 5000 });
    const baseFetch = ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
      undiciFetch(input as never, { ...(init as object), dispatcher: agent } as never)) as unknown as typeof fetch;
    const breaker = circuitBreaker({ name: 'rel-fetch', trip: consecutiveFailures(50), halfOpenAfterMs: 20 });
    const policy = pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(0) }), breaker, timeout(2000));
    const bwFetch = createFetch({ policy, fetch: baseFetch });

    const latencies = new LatencyRecorder();
    const statuses: Record<string, number> = {};
    let settled = 0;
    /** Closed-loop driver: `n` calls by CONCURRENCY callers through `f`. */
    const drive = async (f: typeof fetch, n: number, record: boolean): Promise<number> => {
      let next = 0;
      const t0 = performance.now();
      const worker = async (): Promise<void> => {
        for (;;) {
          const i = next++;
          if (i >= n) return;
          const c0 = performance.now();
          let key: string;
          try {
            const res = await f(`${upstream.url}/item/${i}`, { headers: { accept: 'application/json' } });
            await res.arrayBuffer();
            key = String(res.status);
          } catch (e) {
            key = e instanceof Error ? e.name : 'non-error';
          }
          if (!record) continue;
          statuses[key] = (statuses[key] ?? 0) + 1;
          settled += 1;
          latencies.record(performance.now() - c0);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return performance.now() - t0;
    };
    // Warm up (undici lazily loads parsers and web streams), then a short raw-undici reference run.
    await drive(bwFetch, 3000, false);
    const rawMs = await drive(baseFetch, 5000, false);
    const heapBefore = await settledHeapUsed();
    const requestsBefore = upstream.requests();
    const started = performance.now();
    await drive(bwFetch, TOTAL, true);
    const durationMs = performance.now() - started;
    const maxOpen = upstream.maxOpen();
    breaker.dispose();
    await agent.close();
    // After the client pool closes, the server must see every connection go away.
    const deadline = Date.now() + 3000;
    while (upstream.open() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const openAfterClose = upstream.open();
    const requests = upstream.requests() - requestsBefore;
    await upstream.close();
    const grown = await waitForResourceBaseline(resourcesBefore, 5000);
    const heapAfter = await settledHeapUsed();
    warnings.stop();
    const listenerWarnings = warnings.warnings.filter(
      (w) => w.name === 'MaxListenersExceededWarning' || /memory leak/i.test(w.message),
    );

    recordFigures('20-load-fetch', {
      title: 'Load: 100k calls through @breakwater/fetch (retry → breaker → timeout) to node:http',
      note: `undici Agent with connections: ${POOL}; ${CONCURRENCY} concurrent callers; server answers 5 % 503 with a 2 KiB body (discarded by retries), 2 % after 2 ms.`,
      rows: {
        calls: TOTAL,
        'duration (s)': round(durationMs / 1000, 2),
        'calls/s': Math.round(TOTAL / (durationMs / 1000)),
        'raw undici fetch, same agent, no Breakwater (calls/s, 5k calls)': Math.round(5000 / (rawMs / 1000)),
        'server requests in the measured run (incl. retries)': requests,
        outcomes: JSON.stringify(statuses),
        'p50 / p99 (ms)': `${round(latencies.percentile(0.5))} / ${round(latencies.percentile(0.99))}`,
        'max server-side open connections': maxOpen,
        'open connections after client close': openAfterClose,
        'heap before / after (MB, after GC)': `${round(heapBefore / 1048576, 1)} / ${round(heapAfter / 1048576, 1)}`,
        'active resources above baseline': JSON.stringify(grown),
        'listener warnings': listenerWarnings.length,
      },
    });

    expect(settled).toBe(TOTAL);
    expect(maxOpen).toBeLessThanOrEqual(POOL);
    expect(openAfterClose).toBe(0);
    expect(grown).toEqual({});
    expect(listenerWarnings).toEqual([]);
    expect((heapAfter - heapBefore) / heapBefore).toBeLessThanOrEqual(0.1);
  });
});
