// ESM consumer smoke test, run by tools/release/pack-check.mjs against the packed tarballs:
// one real use of every published package, through its public entry point only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createTRPCClient, httpLink } from '@trpc/client';
import { initTRPC } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { BrokenCircuitError, circuitBreaker, pipeline, retry, timeout, type BreakerState } from '@breakwater/core';
import { withResilience } from '@breakwater/axios';
import { createFetch } from '@breakwater/fetch';
import { resilienceLink } from '@breakwater/trpc';
import { instrument } from '@breakwater/otel';
import { prometheusMetrics } from '@breakwater/prometheus';
import { RedisBreakerStore } from '@breakwater/redis';
import { buildFromConfig, parseConfig } from '@breakwater/config';

const t = initTRPC.create();
const router = t.router({ ping: t.procedure.query(() => 'pong' as const) });
const trpcHandler = createHTTPHandler({ router });

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const server = createServer((req, res) => {
  if (req.url?.startsWith('/trpc/')) {
    req.url = req.url.slice('/trpc'.length);
    trpcHandler(req, res);
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ok: true, path: req.url }));
});
const base = await listen(server);
const results: Record<string, unknown> = {};

// @breakwater/core (+ @breakwater/otel wrapping the policy with the no-op global tracer)
const breaker = circuitBreaker({ name: 'smoke' });
const policy = instrument(pipeline(retry({ maxAttempts: 2 }), breaker, timeout(2_000)));
results.core = await policy.execute(({ attempt }) => `attempt ${attempt}`);
const isolation = breaker.isolate();
results.isolated = await breaker
  .execute(() => 'never')
  .catch((e: unknown) => (e instanceof BrokenCircuitError ? e.code : e));
isolation.release();
const state: BreakerState = breaker.state;
results.state = state;

// @breakwater/fetch
const fetch = createFetch({ policy: pipeline(retry({ maxAttempts: 2 }), timeout(2_000)) });
results.fetch = await (await fetch(`${base}/fetch`)).json();

// @breakwater/axios
const api = axios.create({ baseURL: base });
withResilience(api, { policy: pipeline(retry({ maxAttempts: 2 }), timeout(2_000)) });
results.axios = (await api.get<{ ok: boolean }>('/axios')).data;

// @breakwater/trpc
const client = createTRPCClient<typeof router>({
  links: [resilienceLink({ policy: retry({ maxAttempts: 2 }) }), httpLink({ url: `${base}/trpc` })],
});
results.trpc = await client.ping.query();

// @breakwater/prometheus
const registry = new Registry();
const detach = prometheusMetrics({ registry }).observe(breaker);
results.prometheus = (await registry.metrics()).includes('circuit_breaker_state');
detach();

// @breakwater/config
const config = parseConfig({
  load_balancer: { algorithm: 'round_robin', servers: [{ url: base }] },
  circuit_breaker: { failure_threshold: 5, timeout: '30s' },
});
const built = buildFromConfig(config);
results.config = built.balancer.endpoints().map((e) => e.url);
await built.close();

// @breakwater/redis (ioredis at its latest major; keys under a unique prefix, deleted afterwards)
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const prefix = `bwpack-${process.pid}-${Date.now()}`;
const store = new RedisBreakerStore({ redis, prefix });
const shared = circuitBreaker({ name: 'smoke-shared', store });
results.redis = await shared.execute(() => 'ok through a Redis-backed breaker');
await store.close();
const keys = await redis.keys(`*${prefix}*`);
if (keys.length > 0) await redis.del(...keys);
await redis.quit();

await fetch.close();
server.closeAllConnections();
server.close();
console.log(JSON.stringify(results, null, 2));
