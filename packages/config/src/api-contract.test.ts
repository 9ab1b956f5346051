/**
 * API contract conformance: @breakwater/config (docs/API.md). Imports only from the
 * package roots, as a user does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BrokenCircuitError,
  ConfigError,
  ManualClock,
  memoryBreakerStore,
  type CircuitBreaker,
} from '@breakwater/core';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFromConfig, loadConfig } from '@breakwater/config';

/** The seed's config.yaml (Best Practices section of seed.md), verbatim. */
const SEED_YAML = `# config.yaml
load_balancer:
  algorithm: "weighted_least_connections"
  health_check:
    interval: 30s
    timeout: 5s
    healthy_threshold: 2
    unhealthy_threshold: 3
    path: "/health"
  
  servers:
    - host: "backend1.example.com"
      port: 8080
      weight: 3
      max_connections: 100
    - host: "backend2.example.com"
      port: 8080
      weight: 2
      max_connections: 100
  
  session_affinity:
    enabled: true
    method: "cookie"
    cookie_name: "session_id"
  
circuit_breaker:
  failure_threshold: 50  # percentage
  timeout: 60s
  min_requests: 20
  window_size: 10s
  
  services:
    database:
      timeout: 30s
      failure_threshold: 40
    external_api:
      timeout: 120s
      failure_threshold: 60

monitoring:
  metrics:
    enabled: true
    port: 9090
    path: "/metrics"
  
  logging:
    level: "INFO"
    format: "json"
    output: "stdout"
  
  tracing:
    enabled: true
    jaeger_endpoint: "http://jaeger:14268/api/traces"
    sample_rate: 0.1
`;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

function build(text: string, clock = new ManualClock()) {
  const built = buildFromConfig(loadConfig({ text }), { clock });
  closers.push(() => built.close());
  return built;
}

async function fail(b: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await b
      .execute(() => {
        throw new Error('down');
      })
      .catch(() => undefined);
}
async function succeed(b: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await b.execute(() => 'ok');
}

/** `b`, open, rejects until exactly `ms` have passed on `clock`, then lets a call through. */
async function expectOpenFor(clock: ManualClock, b: CircuitBreaker, ms: number): Promise<void> {
  clock.advance(ms - 1);
  await expect(b.execute(() => 1)).rejects.toBeInstanceOf(BrokenCircuitError);
  clock.advance(1);
  await expect(b.execute(() => 1)).resolves.toBe(1);
}

function configErrorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const minimal = (lb: string, extra = ''): string =>
  `load_balancer:\n${lb}\n  servers:\n    - host: "a.example.com"\n      port: 8080\n    - host: "b.example.com"\n      port: 8080\n${extra}`;

describe('loadConfig', () => {
  it("the seed's config.yaml loads unchanged (text and file, YAML)", () => {
    expect(() => loadConfig({ text: SEED_YAML })).not.toThrow();
    expect(() => loadConfig({ text: SEED_YAML, format: 'yaml' })).not.toThrow();
    const dir = mkdtempSync(join(tmpdir(), 'bw-config-'));
    try {
      const path = join(dir, 'config.yaml');
      writeFileSync(path, SEED_YAML);
      const config = loadConfig({ path });
      expect(config).toEqual(loadConfig({ text: SEED_YAML }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads JSON (format json or a .json file)', () => {
    const json = JSON.stringify({
      load_balancer: { algorithm: 'round_robin', servers: [{ host: 'a.example.com', port: 80 }] },
    });
    expect(() => loadConfig({ text: json, format: 'json' })).not.toThrow();
    const dir = mkdtempSync(join(tmpdir(), 'bw-config-'));
    try {
      const path = join(dir, 'config.json');
      writeFileSync(path, json);
      expect(() => loadConfig({ path })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    'round_robin',
    'weighted_round_robin',
    'least_connections',
    'weighted_least_connections',
    'p2c_ewma',
    'consistent_hash',
    'adaptive',
  ])('algorithm name %s is accepted and builds a balancer', async (algorithm) => {
    const built = build(minimal(`  algorithm: "${algorithm}"`));
    expect(built.balancer.endpoints()).toHaveLength(2);
    await expect(built.balancer.execute((e) => e.id)).resolves.toMatch(/example\.com/);
  });

  it('an unknown algorithm is a ConfigError at load_balancer.algorithm naming the accepted names', () => {
    const e = configErrorOf(() => loadConfig({ text: minimal('  algorithm: "random_pick"') }));
    expect(e.code).toBe('BW_CONFIG');
    expect(e.path).toBe('load_balancer.algorithm');
    expect(e.message).toContain('round_robin');
  });

  it('error paths use dots and brackets: load_balancer.servers[0].weight', () => {
    const text = 'load_balancer:\n  servers:\n    - host: "a.example.com"\n      port: 8080\n      weight: -3\n';
    const e = configErrorOf(() => loadConfig({ text }));
    expect(e.path).toBe('load_balancer.servers[0].weight');
    expect(e.message).toMatch(/expected/i);
    const text2 =
      'load_balancer:\n  servers:\n    - host: "a.example.com"\n      port: 8080\n    - host: "b.example.com"\n      port: 8080\n      weight: "heavy"\n';
    expect(configErrorOf(() => loadConfig({ text: text2 })).path).toBe('load_balancer.servers[1].weight');
  });

  it('a bad per-service duration: circuit_breaker.services.database.timeout', () => {
    const e = configErrorOf(() => loadConfig({ text: SEED_YAML.replace('      timeout: 30s', '      timeout: soon') }));
    expect(e.path).toBe('circuit_breaker.services.database.timeout');
    expect(e.message).toMatch(/expected/i);
    expect(e.message).toMatch(/30s|duration/);
  });

  it('durations accept strings like "30s" and numbers (milliseconds)', async () => {
    const clock = new ManualClock();
    const built = build(
      minimal('', 'circuit_breaker:\n  timeout: 1500\n  failure_threshold: 50\n  min_requests: 2\n'),
      clock,
    );
    const b = built.breakerFor('svc');
    await fail(b, 2);
    expect(b.state).toBe('open');
    await expectOpenFor(clock, b, 1_500);
  });

  it('invalid YAML, missing servers and a missing file are ConfigErrors', () => {
    expect(configErrorOf(() => loadConfig({ text: 'load_balancer: [unclosed' })).code).toBe('BW_CONFIG');
    expect(configErrorOf(() => loadConfig({ text: 'circuit_breaker:\n  timeout: 5s\n' })).path).toMatch(
      /^load_balancer/,
    );
    expect(configErrorOf(() => loadConfig({ path: '/nonexistent/breakwater.yaml' })).code).toBe('BW_CONFIG');
  });
});

describe('buildFromConfig', () => {
  it('builds the seed: a balancer over the servers, breakers for each listed service, close()', async () => {
    const built = build(SEED_YAML);
    expect(built.balancer.endpoints()).toHaveLength(2);
    expect(built.balancer.endpoints().map((e) => e.url)).toEqual([
      'http://backend1.example.com:8080',
      'http://backend2.example.com:8080',
    ]);
    expect(built.balancer.endpoints().map((e) => [e.weight, e.maxConnections])).toEqual([
      [3, 100],
      [2, 100],
    ]);
    expect(Object.keys(built.breakers).sort()).toEqual(['database', 'external_api']);
    expect(built.breakers['database']!.name).toBe('database');
    expect(built.breakerFor('database')).toBe(built.breakers['database']);
    expect(typeof built.close).toBe('function');
  });

  it('failure_threshold is a percentage (seed default 50%, over min_requests 20)', async () => {
    const built = build(SEED_YAML);
    const b = built.breakerFor('payments');
    await succeed(b, 10);
    await fail(b, 9);
    expect(b.state).toBe('closed'); // 19 calls < min_requests
    await fail(b, 1); // 10 of 20 = 50% ≥ 50%
    expect(b.state).toBe('open');
  });

  it('services.<name> overrides the defaults (database: 40%, timeout 30s)', async () => {
    const clock = new ManualClock();
    const built = build(SEED_YAML, clock);
    const db = built.breakerFor('database');
    await succeed(db, 12);
    await fail(db, 8); // 8 of 20 = 40%
    expect(db.state).toBe('open');
    await expectOpenFor(clock, db, 30_000);
  });

  it('external_api: 60% and 120s; the defaults: 60s open', async () => {
    const clock = new ManualClock();
    const built = build(SEED_YAML, clock);
    const api = built.breakerFor('external_api');
    await succeed(api, 9);
    await fail(api, 11); // 55%
    expect(api.state).toBe('closed');
    const def = built.breakerFor('unlisted');
    await fail(def, 20);
    expect(def.state).toBe('open');
    await expectOpenFor(clock, def, 60_000);
  });

  it('breakerFor(name) for an unlisted service returns a breaker with the default settings, one per name', () => {
    const built = build(SEED_YAML);
    const a = built.breakerFor('search');
    expect(a.name).toBe('search');
    expect(a.state).toBe('closed');
    expect(built.breakerFor('search')).toBe(a);
    expect(built.breakerFor('billing')).not.toBe(a);
  });

  it('session_affinity with method cookie maps to consistent hashing on the cookie value', async () => {
    const built = build(SEED_YAML);
    for (const session of ['s-1', 's-2', 's-3', 's-4', 's-5']) {
      const first = built.balancer.pick({ key: session }).id;
      for (let i = 0; i < 10; i++) expect(built.balancer.pick({ key: session }).id).toBe(first);
      await expect(built.balancer.execute((e) => e.id, { key: session })).resolves.toBe(first);
    }
  });

  it('a shared store makes breakers share state by name', async () => {
    const store = memoryBreakerStore();
    const a = buildFromConfig(loadConfig({ text: SEED_YAML }), { store });
    const b = buildFromConfig(loadConfig({ text: SEED_YAML }), { store });
    closers.push(
      () => a.close(),
      () => b.close(),
      () => store.close(),
    );
    a.breakerFor('database').isolate();
    await new Promise((r) => setImmediate(r));
    expect(b.breakerFor('database').state).toBe('isolated');
  });
});
