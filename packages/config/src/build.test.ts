import { fileURLToPath } from 'node:url';
import { ConfigError, ManualClock, memoryBreakerStore } from '@breakwater/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildFromConfig,
  loadConfig,
  parseConfig,
  toBalancerOptions,
  toBreakerOptions,
  breakerSettingsFor,
  type BuiltConfig,
} from './index.js';

const seedPath = fileURLToPath(new URL('./test-support/seed-config.yaml', import.meta.url));
const built: BuiltConfig[] = [];
afterEach(async () => {
  while (built.length > 0) await built.pop()?.close();
});

function build(text: string | { path: string }, clock = new ManualClock()): BuiltConfig {
  const b = buildFromConfig(loadConfig(typeof text === 'string' ? { text } : text), { clock });
  built.push(b);
  return b;
}

async function fail(b: { execute: (fn: () => unknown) => Promise<unknown> }, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await b
      .execute(() => {
        throw new Error('down');
      })
      .catch(() => undefined);
}
async function succeed(b: { execute: (fn: () => unknown) => Promise<unknown> }, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await b.execute(() => 'ok');
}

describe('buildFromConfig', () => {
  it('builds the seed: balancer over the servers, sticky cookie, breakers per service', async () => {
    const clock = new ManualClock();
    const b = build({ path: seedPath }, clock);
    expect(b.balancer.endpoints().map((e) => [e.id, e.url, e.weight, e.maxConnections])).toEqual([
      ['backend1.example.com:8080', 'http://backend1.example.com:8080', 3, 100],
      ['backend2.example.com:8080', 'http://backend2.example.com:8080', 2, 100],
    ]);
    expect(b.stickyKey).toEqual({ cookie: 'session_id' });
    expect(Object.keys(b.breakers).sort()).toEqual(['database', 'external_api']);
    expect(b.breakerFor('database')).toBe(b.breakers.database);
    const opts = toBalancerOptions(b.config);
    expect(opts.strategy?.name).toBe('consistent_hash');
    expect(opts.healthCheck).toEqual({
      path: '/health',
      intervalMs: 30_000,
      timeoutMs: 5_000,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
    });
    expect(toBreakerOptions(breakerSettingsFor(b.config, 'database'))).toMatchObject({
      halfOpenAfterMs: 30_000,
      mode: 'enforce',
    });
    expect(toBreakerOptions(breakerSettingsFor(b.config, 'external_api')).halfOpenAfterMs).toBe(120_000);
    expect(toBreakerOptions(breakerSettingsFor(b.config, 'payments')).halfOpenAfterMs).toBe(60_000);
  });

  it('failure_threshold is a percentage over min_requests calls in the time window', async () => {
    const clock = new ManualClock();
    const b = build({ path: seedPath }, clock);
    const db = b.breakerFor('database'); // 40%, min 20
    await succeed(db, 12);
    await fail(db, 7);
    expect(db.state).toBe('closed'); // 19 calls < min_requests
    await fail(db, 1); // 8/20 = 40%
    expect(db.state).toBe('open');
    clock.advance(29_999);
    await expect(db.execute(() => 'x')).rejects.toMatchObject({ code: 'BW_CIRCUIT_OPEN' });
    clock.advance(1);
    await expect(db.execute(() => 'probe')).resolves.toBe('probe');
    expect(db.state).toBe('closed');

    const other = b.breakerFor('payments'); // unlisted: defaults, 50%, min 20
    await succeed(other, 11);
    await fail(other, 9);
    expect(other.state).toBe('closed'); // 45%
    await fail(other, 2);
    expect(other.state).toBe('open');
  });

  it('the window is window_size long: old failures age out', async () => {
    const clock = new ManualClock();
    const b = build(
      'load_balancer: { servers: [ { host: a, port: 1 } ] }\ncircuit_breaker: { failure_threshold: 50, min_requests: 4, window_size: 10s }\n',
      clock,
    );
    const svc = b.breakerFor('svc');
    await fail(svc, 3);
    clock.advance(11_000);
    await fail(svc, 1);
    expect(svc.state).toBe('closed');
    await fail(svc, 3);
    expect(svc.state).toBe('open');
  });

  it('unlisted services get one default breaker per name; names like "constructor" are safe', () => {
    const b = build({ path: seedPath });
    const a = b.breakerFor('search');
    expect(b.breakerFor('search')).toBe(a);
    expect(b.breakers.search).toBe(a);
    expect(b.breakerFor('constructor').name).toBe('constructor');
    expect(b.breakerFor('payments')).not.toBe(a);
    expect(() => b.breakerFor('')).toThrow(ConfigError);
  });

  it('maps every algorithm name to its strategy when there is no session affinity', () => {
    for (const algorithm of [
      'round_robin',
      'weighted_round_robin',
      'least_connections',
      'weighted_least_connections',
      'p2c_ewma',
      'consistent_hash',
      'adaptive',
    ]) {
      const config = parseConfig({ load_balancer: { algorithm, servers: [{ host: 'a', port: 1 }] } });
      expect(toBalancerOptions(config).strategy?.name).toBe(algorithm);
    }
  });

  it('regions, outlier detection and endpoint breakers reach the balancer options', async () => {
    const config = loadConfig({ path: fileURLToPath(new URL('../../../examples/config.yaml', import.meta.url)) });
    const opts = toBalancerOptions(config);
    expect(opts.locality).toEqual({
      local: 'eu-west',
      order: ['eu-west', 'us-east'],
      overprovisioningFactor: 1.4,
      panicThreshold: 0.5,
    });
    expect(opts.endpoints.map((e) => e.region)).toEqual(['eu-west', 'eu-west', 'us-east']);
    expect(opts.breaker?.halfOpenAfterMs).toBe(60_000);
    const noBreakers = parseConfig({
      load_balancer: {
        endpoint_breakers: false,
        outlier_detection: { consecutive_failures: 3, base_ejection_time: '10s', max_ejection_percent: 30 },
        servers: [{ host: 'a', port: 1 }],
      },
    });
    const o2 = toBalancerOptions(noBreakers);
    expect(o2.breaker).toBeUndefined();
    expect(o2.outlierDetection).toEqual({ consecutiveFailures: 3, baseEjectionMs: 10_000, maxEjectionPercent: 30 });
  });

  it('balancer calls go to the configured servers', async () => {
    const b = build(
      'load_balancer:\n  algorithm: round_robin\n  servers:\n    - { url: "http://127.0.0.1:1", id: one }\n    - { url: "http://127.0.0.1:2", id: two }\n',
    );
    const seen: string[] = [];
    for (let i = 0; i < 4; i++)
      await b.balancer.execute((e) => {
        seen.push(e.id);
      });
    expect(seen.sort()).toEqual(['one', 'one', 'two', 'two']);
  });

  it('shares breaker state through the given store', async () => {
    const store = memoryBreakerStore();
    const text =
      'load_balancer: { servers: [ { host: a, port: 1 } ] }\ncircuit_breaker: { min_requests: 2, failure_threshold: 50 }\n';
    const clock = new ManualClock();
    const one = buildFromConfig(loadConfig({ text }), { store, clock });
    const two = buildFromConfig(loadConfig({ text }), { store, clock });
    built.push(one, two);
    const remote = two.breakerFor('db');
    await fail(one.breakerFor('db'), 2);
    expect(one.breakerFor('db').state).toBe('open');
    await new Promise((resolve) => setImmediate(resolve)); // the memory store delivers in a microtask
    expect(remote.state).toBe('open');
    await store.close();
  });

  it('close() disposes breakers, closes the balancer, is idempotent, and later breakerFor throws', async () => {
    const b = buildFromConfig(loadConfig({ path: seedPath }), { clock: new ManualClock() });
    await b.close();
    await b.close();
    expect(() => b.breakerFor('database')).toThrow(ConfigError);
  });
});
