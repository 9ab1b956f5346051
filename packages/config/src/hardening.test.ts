import { ConfigError } from '@breakwater/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type ConfigWarning } from './index.js';

const base = (extra = '', cb = ''): string => `
load_balancer:
  algorithm: round_robin
  servers:
    - url: "http://a.internal:8080"
circuit_breaker:
  failure_threshold: 50
${cb}
${extra}`;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** Collects process warnings while a test runs (the yaml library used to print into the host). */
const seen: string[] = [];
const onProcessWarning = (w: Error): void => {
  seen.push(w.message);
};
afterEach(() => {
  process.off('warning', onProcessWarning);
  seen.length = 0;
});

describe('YAML syntax errors carry their location', () => {
  it('a duplicated key names the key, its line and column', () => {
    const e = configError(() =>
      loadConfig({ text: 'load_balancer:\n  algorithm: round_robin\n  algorithm: p2c_ewma\n' }),
    );
    expect(e.message).toMatch(/line 3, column 3/);
    expect(e.message).toMatch(/"algorithm" appears twice/);
  });

  it('a malformed document says where', () => {
    const e = configError(() => loadConfig({ text: 'load_balancer:\n  servers: [\n    - a\n' }));
    expect(e.message).toMatch(/line \d+, column \d+/);
  });

  it('a list or mapping used as a key is an error with its line, not a process warning', () => {
    process.on('warning', onProcessWarning);
    const e = configError(() => loadConfig({ text: 'load_balancer:\n  ? [1]\n  : x\n' }));
    expect(e.message).toMatch(/list used as a key/);
    expect(e.message).toMatch(/line 2/);
    expect(seen).toEqual([]);
  });
});

describe('percentages and bare durations are unambiguous', () => {
  it('failure_threshold: 0.5 is refused as a likely fraction; "0.5%" and 50 are accepted', () => {
    const e = configError(() =>
      loadConfig({ text: base().replace('failure_threshold: 50', 'failure_threshold: 0.5') }),
    );
    expect(e.path).toBe('circuit_breaker.failure_threshold');
    expect(e.message).toMatch(/looks like a fraction — write 50 for 50 %/);
    expect(
      loadConfig({ text: base().replace('failure_threshold: 50', 'failure_threshold: "0.5%"') }).circuit_breaker
        ?.failure_threshold,
    ).toBe(0.5);
    expect(loadConfig({ text: base() }).circuit_breaker?.failure_threshold).toBe(50);
  });

  it('a bare number under 1000 where a duration is expected loads as ms and warns with its path', () => {
    const warnings: ConfigWarning[] = [];
    const config = loadConfig({ text: base('', '  timeout: 30') }, { onWarning: (w) => warnings.push(w) });
    expect(config.circuit_breaker?.timeout).toBe(30);
    expect(warnings).toEqual([
      { path: 'circuit_breaker.timeout', message: expect.stringMatching(/30 means 30ms; write "30s" for seconds/) },
    ]);
  });

  it('durations with units do not warn; by default a warning goes to process.emitWarning once', () => {
    const quiet: ConfigWarning[] = [];
    loadConfig({ text: base('', '  timeout: 30s') }, { onWarning: (w) => quiet.push(w) });
    expect(quiet).toEqual([]);
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      loadConfig({ text: base('', '  timeout: 45') });
      loadConfig({ text: base('', '  timeout: 45') });
      expect(emit.mock.calls.filter((c) => String(c[0]).includes('45 means 45ms'))).toHaveLength(1);
      expect(emit.mock.calls[0]?.[1]).toEqual({ code: 'BW_CONFIG_WARNING' });
    } finally {
      emit.mockRestore();
    }
  });
});

describe('${ENV} interpolation (opt-in)', () => {
  const redis = 'redis:\n  url: ${REDIS_URL}\n  prefix: ${BW_PREFIX:-bw}\n';
  it('reads variables from the env option, with defaults', () => {
    const config = loadConfig({ text: base(redis) }, { env: { REDIS_URL: 'redis://bw:s3cret@10.0.0.9:6379' } });
    expect(config.redis).toMatchObject({ url: 'redis://bw:s3cret@10.0.0.9:6379', prefix: 'bw' });
  });

  it('an unset variable without a default is a ConfigError naming the field and the variable', () => {
    const e = configError(() => loadConfig({ text: base(redis) }, { env: {} }));
    expect(e.path).toBe('redis.url');
    expect(e.message).toMatch(/environment variable REDIS_URL to be set/);
  });

  it('is off without the env option, and $${ writes a literal ${', () => {
    const e = configError(() => loadConfig({ text: base(redis) }));
    expect(e.path).toBe('redis.url');
    const literal = loadConfig(
      { text: base('monitoring:\n  tracing:\n    jaeger_endpoint: "http://j/$${x}"\n') },
      { env: {} },
    );
    expect(literal.monitoring?.tracing?.jaeger_endpoint).toBe('http://j/${x}');
  });

  it('a variable cannot change the document structure (values only)', () => {
    const config = loadConfig(
      { text: base('redis:\n  url: "redis://h:6379/${DB}"\n') },
      { env: { DB: '0\nmode: aggregate' } },
    );
    expect(config.redis?.mode).toBeUndefined();
  });

  it('rejects unknown loadConfig options', () => {
    expect(configError(() => loadConfig({ text: base() }, { environment: {} } as never)).path).toBe(
      'loadConfig.options.environment',
    );
  });
});

describe('credentials never appear in error messages', () => {
  it('whatever the key is called', () => {
    const cases = [
      base('monitoring:\n  tracing:\n    jaeger_endpoint: "ftp://ops:hunter2@jaeger:14268"\n'),
      base().replace('- url: "http://a.internal:8080"', '- host: "ops:hunter2@a.internal"\n      port: 99999'),
      base().replace('- url: "http://a.internal:8080"', '- url: "gopher://ops:hunter2@a.internal"'),
    ];
    for (const text of cases) {
      const e = configError(() => loadConfig({ text }));
      expect(e.message).not.toContain('hunter2');
      expect(JSON.stringify(e.issues)).not.toContain('hunter2');
    }
  });
});
