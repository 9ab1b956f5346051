import { ConfigError } from '@breakwater/core';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.js';

const KEY = 'k3y-7f1c9a0e5b2d4c6a8e0f1b3d5c7a9e2f';
const base = 'load_balancer:\n  servers:\n    - url: "http://127.0.0.1:9"\nredis:\n  url: redis://127.0.0.1:6379\n';

function errorOf(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    loadConfig({ text }, { env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** Everything a ConfigError shows: message, issues, and what serialisers see. */
const shown = (e: ConfigError): string => `${e.message}\n${JSON.stringify(e.issues)}\n${String(e.stack)}`;

describe('redis.secret (issue 14.11)', () => {
  it('is read from the environment by ${ENV} interpolation, as one key or a rotation list', () => {
    const one = loadConfig({ text: `${base}  secret: \${BW_REDIS_SECRET}\n` }, { env: { BW_REDIS_SECRET: KEY } });
    expect(one.redis?.secret).toBe(KEY);
    const rotation = loadConfig(
      { text: `${base}  secret:\n    - \${BW_REDIS_SECRET}\n    - \${BW_REDIS_SECRET_OLD}\n` },
      { env: { BW_REDIS_SECRET: KEY, BW_REDIS_SECRET_OLD: 'old-key' } },
    );
    expect(rotation.redis?.secret).toEqual([KEY, 'old-key']);
    expect(loadConfig({ text: base }).redis?.secret).toBeUndefined();
  });

  it('an unset variable is an error naming the variable, not a store without authentication', () => {
    const e = errorOf(`${base}  secret: \${BW_REDIS_SECRET}\n`);
    expect(e.path).toBe('redis.secret');
    expect(e.message).toMatch(/BW_REDIS_SECRET/);
  });

  it('is never echoed in errors: wrong types, empty keys, list items, an unknown key next to it', () => {
    const cases: Array<[string, string, RegExp]> = [
      [`${base}  secret: 42\n`, 'redis.secret', /expected/],
      [`${base}  secret: ""\n`, 'redis.secret', /at least 1 character/],
      [`${base}  secret: []\n`, 'redis.secret', /expected/],
      [`${base}  secret: ["\${BW_REDIS_SECRET}", ""]\n`, 'redis.secret', /expected/],
      [`${base}  secret: ["\${BW_REDIS_SECRET}", 7]\n`, 'redis.secret', /expected/],
      [
        `${base}  secret: [${Array.from({ length: 9 }, () => '"${BW_REDIS_SECRET}"').join(', ')}]\n`,
        'redis.secret',
        /expected/,
      ],
      [`${base}  secret: { key: "\${BW_REDIS_SECRET}" }\n`, 'redis.secret', /expected/],
      [`${base}  secret: \${BW_REDIS_SECRET}\n  secrte: \${BW_REDIS_SECRET}\n`, 'redis.secrte', /unknown key/],
    ];
    for (const [text, path, message] of cases) {
      const e = errorOf(text, { BW_REDIS_SECRET: KEY });
      expect(e.path.startsWith(path), `${text} → ${e.path}`).toBe(true);
      expect(e.message).toMatch(message);
      expect(shown(e)).not.toContain(KEY);
      expect(shown(e)).not.toContain(KEY.slice(0, 12));
    }
  });
});
