import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@breakwater/core';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './index.js';

const seedPath = fileURLToPath(new URL('./test-support/seed-config.yaml', import.meta.url));
const examplePath = fileURLToPath(new URL('../../../examples/config.yaml', import.meta.url));

describe('loadConfig', () => {
  it('loads the seed config.yaml unchanged', () => {
    const c = loadConfig({ path: seedPath });
    expect(c.load_balancer.algorithm).toBe('weighted_least_connections');
    expect(c.load_balancer.health_check).toEqual({
      interval: 30_000,
      timeout: 5_000,
      healthy_threshold: 2,
      unhealthy_threshold: 3,
      path: '/health',
    });
    expect(c.load_balancer.servers.map((s) => [s.id, s.url, s.weight, s.max_connections])).toEqual([
      ['backend1.example.com:8080', 'http://backend1.example.com:8080', 3, 100],
      ['backend2.example.com:8080', 'http://backend2.example.com:8080', 2, 100],
    ]);
    expect(c.load_balancer.session_affinity).toEqual({ enabled: true, method: 'cookie', cookie_name: 'session_id' });
    expect(c.circuit_breaker).toMatchObject({
      failure_threshold: 50,
      timeout: 60_000,
      min_requests: 20,
      window_size: 10_000,
    });
    expect(c.circuit_breaker?.services).toEqual({
      database: { timeout: 30_000, failure_threshold: 40 },
      external_api: { timeout: 120_000, failure_threshold: 60 },
    });
    expect(c.monitoring?.metrics).toEqual({ enabled: true, port: 9090, path: '/metrics' });
    expect(c.monitoring?.logging).toEqual({ level: 'info', format: 'json', output: 'stdout' });
    expect(c.monitoring?.tracing).toEqual({
      enabled: true,
      jaeger_endpoint: 'http://jaeger:14268/api/traces',
      sample_rate: 0.1,
    });
  });

  it('loads examples/config.yaml with regions and redis', () => {
    const c = loadConfig({ path: examplePath });
    expect(c.regions).toEqual({
      local: 'eu-west',
      order: ['eu-west', 'us-east'],
      overprovisioning_factor: 1.4,
      panic_threshold: 50,
    });
    expect(c.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'bw', mode: 'state', quorum: 1 });
    expect(c.load_balancer.servers[2]).toMatchObject({
      id: 'backend3.us.example.com:8080',
      url: 'http://backend3.us.example.com:8080',
      region: 'us-east',
    });
  });

  it('loads the same config from JSON text and from a .json file path', () => {
    const yamlConfig = loadConfig({ path: seedPath });
    const json = JSON.stringify({
      load_balancer: { algorithm: 'round_robin', servers: [{ url: 'https://api.example.com/', weight: 2 }] },
      circuit_breaker: { failure_threshold: '25%', timeout: 1500, window_size: '1m30s' },
    });
    const c = loadConfig({ text: json, format: 'json' });
    expect(c.load_balancer.servers[0]).toMatchObject({
      id: 'api.example.com',
      url: 'https://api.example.com',
      port: 443,
    });
    expect(c.circuit_breaker).toMatchObject({ failure_threshold: 25, timeout: 1500, window_size: 90_000 });
    expect(yamlConfig.load_balancer.servers).toHaveLength(2);
  });

  it('never puts URL credentials into server ids', () => {
    const c = parseConfig({ load_balancer: { servers: [{ url: 'http://user:s3cret@10.0.0.1:8080' }] } });
    expect(c.load_balancer.servers[0]?.id).toBe('10.0.0.1:8080');
  });

  it('defaults to YAML for text and rejects malformed YAML and JSON with ConfigError', () => {
    expect(() => loadConfig({ text: 'load_balancer: [' })).toThrow(ConfigError);
    expect(() => loadConfig({ text: '{', format: 'json' })).toThrow(/expected valid JSON/);
    expect(() => loadConfig({ text: 'a: 1\na: 2' })).toThrow(/expected valid YAML/);
    expect(() => loadConfig({ path: '/nonexistent/breakwater.yaml' })).toThrow(/ENOENT/);
  });

  it('keeps the file format of the seed readable as a text source too', () => {
    const text = readFileSync(seedPath, 'utf8');
    expect(loadConfig({ text })).toEqual(loadConfig({ path: seedPath }));
  });
});
