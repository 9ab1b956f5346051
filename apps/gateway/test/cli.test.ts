import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError } from '@breakwater/core';
import { parseGatewayArgs, parseReplicaList } from '../src/cli.js';
import { LatencyWindow } from '../src/latency-window.js';
import { viaFor } from '../src/proxy.js';

describe('gateway flags', () => {
  it('parses replicas, regions, several pods and env fallbacks', () => {
    const cfg = parseGatewayArgs(
      ['--id', 'a,b', '--replicas', 'eu-1@eu=http://127.0.0.1:1/,us-1@us=http://127.0.0.1:2'],
      {
        REGIONS: 'eu,us',
        CHAOS_TOKEN: 'tok',
      },
    );
    expect(cfg.ids).toEqual(['a', 'b']);
    expect(cfg.ports).toEqual([0, 0]);
    expect(cfg.replicas).toEqual([
      { id: 'eu-1', region: 'eu', url: 'http://127.0.0.1:1' },
      { id: 'us-1', region: 'us', url: 'http://127.0.0.1:2' },
    ]);
    expect(cfg).toMatchObject({
      regions: ['eu', 'us'],
      host: '127.0.0.1',
      redisUrl: undefined,
      healthIntervalMs: 500,
      otel: false,
      token: 'tok',
    });
  });

  it('reads the server limits (flags, env, defaults)', () => {
    const cfg = parseGatewayArgs(['--replicas', 'a@eu=http://x:1', '--max-connections', '10'], {
      HEADERS_TIMEOUT_MS: '2000',
    });
    expect(cfg.server).toMatchObject({
      maxConnections: 10,
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      connectionsCheckingIntervalMs: 1_000,
    });
  });

  it.each([
    [['--replicas', 'nope'], 'gateway.replicas[0]'],
    [['--replicas', ''], 'gateway.replicas'],
    [['--replicas', 'a@eu=http://x:1', '--regions', 'us'], 'gateway.regions'],
    [['--replicas', 'a@eu=http://x:1', '--port', '99999'], 'gateway.port'],
    [['--replicas', 'a@eu=http://x:1', '--id', 'a,b', '--port', '1,2,3'], 'gateway.port'],
    [['--replicas', 'a@eu=http://x:1', '--health-interval-ms', '5'], 'gateway.healthIntervalMs'],
    [['--replicas', 'a@eu=http://x:1', '--redis-url', 'http://x'], 'gateway.redisUrl'],
    [['--replicas', 'a@eu=http://x:1', '--max-connections', 'lots'], 'gateway.server.maxConnections'],
    [['--replicas', 'a@eu=http://x:1', '--headers-timeout-ms', '60000'], 'gateway.server.headersTimeoutMs'],
  ])('rejects %j at %s', (argv, path) => {
    try {
      parseGatewayArgs(argv, {});
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).path).toBe(path);
      expect((e as ConfigError).message).toMatch(/expected/);
    }
  });

  it('round-trips any well-formed replica list', () => {
    const id = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(id, id, fc.integer({ min: 1, max: 65535 })), { minLength: 1, maxLength: 6 }),
        (items) => {
          const spec = items.map(([i, r, p]) => `${i}@${r}=http://127.0.0.1:${p}`).join(',');
          expect(parseReplicaList(spec)).toEqual(
            items.map(([i, r, p]) => ({ id: i, region: r, url: `http://127.0.0.1:${p}` })),
          );
        },
      ),
    );
  });
});

describe('LatencyWindow', () => {
  it('reports quantiles of the last N values only', () => {
    const w = new LatencyWindow(100);
    expect(w.quantile(0.99)).toBeUndefined();
    for (let i = 1; i <= 100; i++) w.add(i);
    expect(w.quantile(0.99)).toBe(99);
    expect(w.quantile(0.5)).toBe(50);
    for (let i = 0; i < 100; i++) w.add(1);
    expect(w.quantile(0.99)).toBe(1);
  });
});

describe('viaFor', () => {
  it('maps client paths to adapters', () => {
    expect(viaFor('/api/work')).toBe('fetch');
    expect(viaFor('/rpc/work')).toBe('trpc');
    expect(viaFor('/axios/work')).toBe('axios');
    expect(viaFor('/api/other')).toBeUndefined();
  });
});
