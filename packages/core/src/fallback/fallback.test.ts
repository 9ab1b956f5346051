import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { BrokenCircuitError, ConfigError, isBreakwaterError } from '../errors.js';
import { cacheFallback } from './cache-fallback.js';
import { fallback } from './fallback.js';

describe('fallback', () => {
  it('replaces failures with the handler value, filtered by when', async () => {
    const f = fallback((e) => `fallback for ${(e as Error).message}`, { when: isBreakwaterError });
    await expect(
      f.execute(() => {
        throw new BrokenCircuitError('svc');
      }),
    ).resolves.toBe('fallback for circuit "svc" is open');
    await expect(
      f.execute(() => {
        throw new Error('plain');
      }),
    ).rejects.toThrow('plain');
    await expect(f.execute(() => 'fine')).resolves.toBe('fine');
  });

  it('surfaces the handler error; a throwing when keeps the original error', async () => {
    await expect(
      fallback(async () => {
        throw new Error('handler');
      }).execute(() => {
        throw new Error('x');
      }),
    ).rejects.toThrow('handler');
    const original = new Error('original');
    await expect(
      fallback(() => 1, {
        when: () => {
          throw new Error('when');
        },
      }).execute(() => {
        throw original;
      }),
    ).rejects.toBe(original);
  });

  it('does not run the handler for a caller that aborted', async () => {
    const ac = new AbortController();
    let ran = false;
    const p = fallback(() => {
      ran = true;
      return 0;
    }).execute(
      async () => {
        ac.abort(new Error('gone'));
        throw new Error('x');
      },
      { signal: ac.signal },
    );
    await expect(p).rejects.toThrow('gone');
    await new Promise((r) => setImmediate(r));
    expect(ran).toBe(false);
  });

  it('validates its options', () => {
    expect(() => fallback(undefined as never)).toThrow('fallback.handler: expected a function, got undefined');
    expect(() => fallback(() => 1, { when: 1 as never })).toThrow(ConfigError);
  });
});

describe('cacheFallback', () => {
  it('serves the last success for the key within ttl when a call fails', async () => {
    const clock = new ManualClock();
    const c = cacheFallback({ ttlMs: 1000, clock });
    await expect(c.execute(() => 'v1', { key: 'a' })).resolves.toBe('v1');
    await expect(
      c.execute(
        () => {
          throw new Error('down');
        },
        { key: 'a' },
      ),
    ).resolves.toBe('v1');
    await expect(
      c.execute(
        () => {
          throw new Error('down');
        },
        { key: 'b' },
      ),
    ).rejects.toThrow('down');
    await expect(
      c.execute(() => {
        throw new Error('no key');
      }),
    ).rejects.toThrow('no key');
    clock.advance(1001);
    await expect(
      c.execute(
        () => {
          throw new Error('stale');
        },
        { key: 'a' },
      ),
    ).rejects.toThrow('stale');
    expect(c.size).toBe(0);
  });

  it('is bounded by maxEntries, evicting the least recently used', async () => {
    const clock = new ManualClock();
    const c = cacheFallback({ ttlMs: 60_000, maxEntries: 2, clock });
    const fail = (): never => {
      throw new Error('fail');
    };
    await c.execute(() => 'A', { key: 'a' });
    await c.execute(() => 'B', { key: 'b' });
    await expect(c.execute(fail, { key: 'a' })).resolves.toBe('A'); // a is now most recent
    await c.execute(() => 'C', { key: 'c' }); // evicts b
    expect(c.size).toBe(2);
    await expect(c.execute(fail, { key: 'b' })).rejects.toThrow('fail');
    await expect(c.execute(fail, { key: 'a' })).resolves.toBe('A');
    await expect(c.execute(fail, { key: 'c' })).resolves.toBe('C');
  });

  it('validates its options', () => {
    expect(() => cacheFallback({ ttlMs: -1 })).toThrow('cacheFallback.ttlMs');
    expect(() => cacheFallback({ ttlMs: 1, maxEntries: 0 })).toThrow(
      'cacheFallback.maxEntries: expected an integer ≥ 1, got 0',
    );
  });
});
