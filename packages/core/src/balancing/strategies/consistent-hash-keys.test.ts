import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { loadBalancer } from '../load-balancer.js';
import { consistentHash } from './consistent-hash.js';

const endpoints = ['a', 'b', 'c', 'd'].map((id) => ({ id, url: `http://${id}.test` }));

describe('consistentHash keys are strings (issue 12.9)', () => {
  it.each([
    ['a number', 42, /got a number \(42\)/],
    ['an object', { user: 1 }, /got an object/],
    ['a symbol', Symbol('s'), /got a symbol \(Symbol\(s\)\)/],
    ['a bigint', 10n, /got a bigint \(10\)/],
    ['null', null, /got null/],
    ['an array', ['u', 1], /got an array/],
  ])('%s is refused with a ConfigError naming key, from execute() and pick()', async (_name, key, message) => {
    for (const algorithm of ['ring', 'maglev'] as const) {
      const lb = loadBalancer({ endpoints, strategy: consistentHash({ algorithm }) });
      let ran = false;
      const e = await lb
        .execute(
          () => {
            ran = true;
          },
          { key: key as never },
        )
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ConfigError);
      expect(e).toMatchObject({ code: 'BW_CONFIG', path: 'key' });
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).toMatch(/^key: expected a string routing key/);
      expect(ran).toBe(false);
      expect(() => lb.pick({ key: key as never })).toThrow(ConfigError);
      // The balancer is unharmed: string keys still route, stickily.
      expect(lb.pick({ key: 'user-1' }).id).toBe(lb.pick({ key: 'user-1' }).id);
      expect(lb.endpoints().every((x) => x.inFlight === 0)).toBe(true);
    }
  });

  it('distinct string keys spread over the endpoints (numbers as strings included); no key picks at random', () => {
    const lb = loadBalancer({ endpoints, strategy: consistentHash() });
    const hit = new Set(Array.from({ length: 200 }, (_, i) => lb.pick({ key: String(i) }).id));
    expect(hit.size).toBe(4);
    expect(endpoints.map((e) => e.id)).toContain(lb.pick().id);
  });
});
