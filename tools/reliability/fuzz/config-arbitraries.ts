import fc from 'fast-check';

/** The seed's config.yaml example (Best Practices section): the base that mutations start from. */
export const seedConfig = {
  load_balancer: {
    algorithm: 'weighted_least_connections',
    health_check: { interval: '30s', timeout: '5s', healthy_threshold: 2, unhealthy_threshold: 3, path: '/health' },
    servers: [
      { host: 'backend1.example.com', port: 8080, weight: 3, max_connections: 100 },
      { host: 'backend2.example.com', port: 8080, weight: 2, max_connections: 100 },
    ],
    session_affinity: { enabled: true, method: 'cookie', cookie_name: 'session_id' },
  },
  circuit_breaker: {
    failure_threshold: 50,
    timeout: '60s',
    min_requests: 20,
    window_size: '10s',
    services: {
      database: { timeout: '30s', failure_threshold: 40 },
      external_api: { timeout: '120s', failure_threshold: 60 },
    },
  },
  monitoring: {
    metrics: { enabled: true, port: 9090, path: '/metrics' },
    logging: { level: 'INFO', format: 'json', output: 'stdout' },
    tracing: { enabled: true, jaeger_endpoint: 'http://jaeger:14268/api/traces', sample_rate: 0.1 },
  },
};

/** Keys the config schema knows, so random trees reach deep validation instead of failing at the root. */
const vocabulary = [
  'load_balancer',
  'algorithm',
  'health_check',
  'interval',
  'timeout',
  'healthy_threshold',
  'unhealthy_threshold',
  'path',
  'servers',
  'host',
  'port',
  'weight',
  'max_connections',
  'region',
  'zone',
  'backup',
  'session_affinity',
  'enabled',
  'method',
  'cookie_name',
  'circuit_breaker',
  'failure_threshold',
  'min_requests',
  'window_size',
  'services',
  'database',
  'monitoring',
  'metrics',
  'logging',
  'level',
  'format',
  'output',
  'tracing',
  'sample_rate',
  'retry',
  'max_attempts',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
];

/** Scalars that stress validators: durations, percentages, numbers at the edges, odd strings. */
export const nastyScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '30s',
    '5m',
    '1h',
    '100ms',
    '0s',
    '-1s',
    '1e9s',
    '999999999999h',
    'soon',
    '',
    ' ',
    '50%',
    '150%',
    '-5%',
    'NaN',
    'Infinity',
    'round_robin',
    'weighted_round_robin',
    'least_connections',
    'p2c_ewma',
    'consistent_hash',
    'adaptive',
    'cookie',
    'header',
    '\u0000',
    '../../etc/passwd',
    '${HOME}',
    '%s%s%s',
    'x'.repeat(10_000),
  ),
  fc.constantFrom(0, -1, 1, 100, 101, 65535, 65536, 0.5, Number.MAX_SAFE_INTEGER, 1e308, -1e308, Number.MIN_VALUE),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
);

const key: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...vocabulary) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Random trees shaped vaguely like a config. */
export const configTree: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyScalar,
    fc.dictionary(key, tie('node'), { maxKeys: 6 }),
    fc.array(tie('node'), { maxLength: 4 }),
  ),
})).node;

type Path = Array<string | number>;

function paths(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

/** The seed config with one to three random edits (replace, delete, or graft a random subtree) anywhere in it. */
export const mutatedSeed: fc.Arbitrary<unknown> = fc
  .array(fc.tuple(fc.nat(), fc.constantFrom('replace', 'delete', 'graft'), fc.oneof(nastyScalar, configTree), key), {
    minLength: 1,
    maxLength: 3,
  })
  .map((edits) => {
    let root: unknown = structuredClone(seedConfig);
    for (const [pick, op, value, k] of edits) {
      const all = paths(root);
      const path = all[pick % all.length] ?? [];
      if (path.length === 0) {
        root = op === 'delete' ? {} : value;
        continue;
      }
      let parent = root as Record<string | number, unknown>;
      for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
      const last = path[path.length - 1]!;
      if (op === 'delete') {
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
      } else if (op === 'replace') parent[last] = value;
      else {
        const target = parent[last];
        if (target !== null && typeof target === 'object' && !Array.isArray(target))
          (target as Record<string, unknown>)[k] = value;
        else parent[last] = value;
      }
    }
    return root;
  });

/** Hand-written hostile YAML: alias bombs, custom tags, duplicate keys, merge keys, deep nesting. */
export const hostileYaml: string[] = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
  'load_balancer: !!js/function "function(){return process.exit(1)}"\n',
  'circuit_breaker:\n  timeout: 1s\n  timeout: 2s\n',
  'base: &base {failure_threshold: 50}\ncircuit_breaker:\n  <<: *base\n  timeout: 3s\n',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `${'a:\n  '.repeat(500)}b: 1\n`,
  '__proto__:\n  polluted: true\nload_balancer: {}\n',
  'load_balancer:\n  servers:\n    - host: "a"\n      port: 8080\n      weight: 1e400\n',
  '\uFEFFload_balancer: {}\n',
  '%YAML 1.1\n---\nload_balancer: {}\n...\n---\nsecond: doc\n',
  'load_balancer: { servers: [ { host: a, port: 0x1F90 } ] }\n',
  'circuit_breaker: { failure_threshold: .inf, timeout: .nan }\n',
];
