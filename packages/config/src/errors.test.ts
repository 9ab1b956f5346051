import { ConfigError } from '@breakwater/core';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './index.js';

const server = { host: 'a.example.com', port: 8080 };
const lb = (extra: Record<string, unknown> = {}, servers: unknown = [server]) => ({
  load_balancer: { servers, ...extra },
});

function issuesOf(tree: unknown): Array<{ path: string; message: string }> {
  try {
    parseConfig(tree);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const err = e as ConfigError;
    expect(err.code).toBe('BW_CONFIG');
    expect(err.path).toBe(err.issues[0]?.path);
    return [...err.issues];
  }
  throw new Error('expected a ConfigError');
}

// [name, input, expected path, message fragment]
const cases: Array<[string, unknown, string, RegExp]> = [
  ['root is not a mapping', 42, '', /expected a mapping, got 42/],
  ['missing load_balancer', {}, 'load_balancer', /is required: expected a mapping/],
  ['servers missing', { load_balancer: {} }, 'load_balancer.servers', /is required: expected a list/],
  ['servers empty', lb({}, []), 'load_balancer.servers', /at least 1 item/],
  [
    'weight is a string',
    lb({}, [{ ...server, weight: 'heavy' }]),
    'load_balancer.servers[0].weight',
    /expected a number, got "heavy"/,
  ],
  [
    'weight negative',
    lb({}, [{ ...server, weight: -1 }]),
    'load_balancer.servers[0].weight',
    /expected a number > 0, got -1/,
  ],
  ['port out of range', lb({}, [{ host: 'a', port: 70000 }]), 'load_balancer.servers[0].port', /≤ 65535, got 70000/],
  [
    'port not an integer',
    lb({}, [{ host: 'a', port: 80.5 }]),
    'load_balancer.servers[0].port',
    /expected an integer, got 80.5/,
  ],
  [
    'server without host or url',
    lb({}, [{ port: 80 }]),
    'load_balancer.servers[0].host',
    /expected "host" \(with "port"\) or "url"/,
  ],
  [
    'server with both url and host',
    lb({}, [{ url: 'http://x', host: 'y' }]),
    'load_balancer.servers[0].url',
    /not both/,
  ],
  [
    'url with a bad scheme',
    lb({}, [{ url: 'ftp://x' }]),
    'load_balancer.servers[0].url',
    /expected a URL starting with "http:\/\/" or "https:\/\/", got "ftp:\/\/x"/,
  ],
  ['duplicate server ids', lb({}, [server, server]), 'load_balancer.servers[1].id', /unique server id/],
  ['host that is no host', lb({}, [{ host: '[:', port: 80 }]), 'load_balancer.servers[0].host', /valid host name/],
  [
    'max_connections zero',
    lb({}, [{ ...server, max_connections: 0 }]),
    'load_balancer.servers[0].max_connections',
    /≥ 1, got 0/,
  ],
  ['unknown algorithm', lb({ algorithm: 'round_robbin' }), 'load_balancer.algorithm', /did you mean "round_robin"/],
  [
    'misspelt key',
    lb({ algoritm: 'round_robin' }),
    'load_balancer.algoritm',
    /unknown key "algoritm"; did you mean "algorithm"\?/,
  ],
  [
    'camelCase key',
    lb({}, [{ ...server, maxConnections: 5 }]),
    'load_balancer.servers[0].maxConnections',
    /did you mean "max_connections"/,
  ],
  [
    'bad duration',
    lb({ health_check: { interval: 'soon' } }),
    'load_balancer.health_check.interval',
    /expected a duration like "500ms", "30s", "2m" or a number of milliseconds, got "soon"/,
  ],
  [
    'negative duration',
    lb({ health_check: { timeout: -5 } }),
    'load_balancer.health_check.timeout',
    /expected a duration/,
  ],
  [
    'duration beyond timer range',
    lb({ health_check: { interval: '999999999999h' } }),
    'load_balancer.health_check.interval',
    /at most 24d/,
  ],
  [
    'health path without slash',
    lb({ health_check: { path: 'health' } }),
    'load_balancer.health_check.path',
    /starting with "\/"/,
  ],
  [
    'cookie affinity without a name',
    lb({ session_affinity: { enabled: true, method: 'cookie' } }),
    'load_balancer.session_affinity.cookie_name',
    /expected a cookie name/,
  ],
  [
    'affinity method unknown',
    lb({ session_affinity: { method: 'ip' } }),
    'load_balancer.session_affinity.method',
    /expected one of "cookie", "header", got "ip"/,
  ],
  [
    'failure_threshold over 100',
    { ...lb(), circuit_breaker: { failure_threshold: 150 } },
    'circuit_breaker.failure_threshold',
    /percentage from 0 to 100.*got 150/,
  ],
  [
    'service timeout not a duration',
    { ...lb(), circuit_breaker: { services: { database: { timeout: 'soon' } } } },
    'circuit_breaker.services.database.timeout',
    /expected a duration.*got "soon"/,
  ],
  [
    'service unknown key',
    { ...lb(), circuit_breaker: { services: { database: { failure_treshold: 40 } } } },
    'circuit_breaker.services.database.failure_treshold',
    /did you mean "failure_threshold"/,
  ],
  [
    'min_requests zero',
    { ...lb(), circuit_breaker: { min_requests: 0 } },
    'circuit_breaker.min_requests',
    /≥ 1, got 0/,
  ],
  ['window_size zero', { ...lb(), circuit_breaker: { window_size: 0 } }, 'circuit_breaker.window_size', /at least 1ms/],
  [
    'log level unknown',
    { ...lb(), monitoring: { logging: { level: 'LOUD' } } },
    'monitoring.logging.level',
    /expected one of "trace".*got "LOUD"/,
  ],
  [
    'sample_rate over 1',
    { ...lb(), monitoring: { tracing: { sample_rate: 10 } } },
    'monitoring.tracing.sample_rate',
    /≤ 1, got 10/,
  ],
  [
    'metrics port a string',
    { ...lb(), monitoring: { metrics: { port: 'ninety' } } },
    'monitoring.metrics.port',
    /expected an integer, got "ninety"/,
  ],
  ['unknown top-level section', { ...lb(), circuit_braker: {} }, 'circuit_braker', /did you mean "circuit_breaker"/],
  [
    'region typo',
    { ...lb({}, [{ ...server, region: 'eu-west' }]), regions: { local: 'eu-wset' } },
    'regions.local',
    /did you mean "eu-west"/,
  ],
  [
    'overprovisioning below 1',
    { ...lb(), regions: { overprovisioning_factor: 0.5 } },
    'regions.overprovisioning_factor',
    /≥ 1, got 0.5/,
  ],
  ['redis url of another scheme', { ...lb(), redis: { url: 'http://redis:6379' } }, 'redis.url', /redis:\/\//],
  [
    'redis mode unknown',
    { ...lb(), redis: { url: 'redis://r', mode: 'cluster' } },
    'redis.mode',
    /"state", "aggregate"/,
  ],
  ['redis quorum zero', { ...lb(), redis: { url: 'redis://r', quorum: 0 } }, 'redis.quorum', /≥ 1/],
  [
    'slow_call missing threshold',
    { ...lb(), circuit_breaker: { slow_call: { rate_threshold: 50 } } },
    'circuit_breaker.slow_call.threshold',
    /expected a duration.*got nothing/,
  ],
];

describe('bad configs', () => {
  it.each(cases)('%s', (_name, input, path, message) => {
    const issues = issuesOf(input);
    const hit = issues.find((i) => i.path === path);
    expect(hit, `issues: ${JSON.stringify(issues)}`).toBeDefined();
    expect(hit?.message).toMatch(message);
  });

  it('reports every problem at once, not just the first', () => {
    const issues = issuesOf({
      load_balancer: { algorithm: 'fastest', servers: [{ host: 'a', port: 'x', weight: 0 }, { url: 'nope' }] },
      circuit_breaker: { timeout: 'later', services: { db: { min_requests: -1 } } },
      monitoring: { metrics: { port: -1 } },
      extra: true,
    });
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        'circuit_breaker.services.db.min_requests',
        'circuit_breaker.timeout',
        'extra',
        'load_balancer.algorithm',
        'load_balancer.servers[0].port',
        'load_balancer.servers[0].weight',
        'load_balancer.servers[1].url',
        'monitoring.metrics.port',
      ].sort(),
    );
  });

  it('names the path, the expected form and what was found in the message', () => {
    expect(() =>
      loadConfig({ text: 'load_balancer:\n  servers:\n    - host: a\n      port: 80\n      weight: heavy\n' }),
    ).toThrow('load_balancer.servers[0].weight: expected a number, got "heavy"');
  });

  it('never echoes credentials from a bad Redis URL', () => {
    const issues = issuesOf({ ...lb(), redis: { url: 'http://user:hunter2@redis:6379' } });
    expect(JSON.stringify(issues)).not.toContain('hunter2');
  });
});
