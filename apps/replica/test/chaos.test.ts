import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError } from '@breakwater/core';
import { mergeChaos, noChaos } from '../src/chaos.js';
import { parseReplicaArgs } from '../src/cli.js';

describe('mergeChaos', () => {
  it('merges a partial update and leaves the rest', () => {
    const next = mergeChaos(noChaos(), { latencyMs: 250 });
    expect(next).toEqual({ latencyMs: 250, errorRate: 0, down: false, hang: false });
    expect(mergeChaos(next, { down: true })).toEqual({ latencyMs: 250, errorRate: 0, down: true, hang: false });
  });

  it.each([
    [{ latencyMs: -1 }, 'chaos.latencyMs'],
    [{ latencyMs: 'slow' }, 'chaos.latencyMs'],
    [{ errorRate: 1.5 }, 'chaos.errorRate'],
    [{ errorRate: Number.NaN }, 'chaos.errorRate'],
    [{ down: 'yes' }, 'chaos.down'],
    [{ latency: 10 }, 'chaos.latency'],
    [[1], 'chaos'],
    [null, 'chaos'],
  ])('rejects %j with a ConfigError at %s', (update, path) => {
    try {
      mergeChaos(noChaos(), update);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).path).toBe(path);
      expect((e as ConfigError).message).toMatch(/expected/);
    }
  });

  it('accepts every in-range setting and never mutates its input', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            latencyMs: fc.integer({ min: 0, max: 600_000 }),
            errorRate: fc.double({ min: 0, max: 1, noNaN: true }),
            down: fc.boolean(),
            hang: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
        (update) => {
          const base = noChaos();
          const next = mergeChaos(base, update);
          expect(base).toEqual(noChaos());
          expect(next).toEqual({ ...noChaos(), ...update });
        },
      ),
    );
  });
});

describe('parseReplicaArgs', () => {
  it('reads flags before environment variables and validates ports', () => {
    const cfg = parseReplicaArgs(['--id', 'eu-1', '--port', '8080'], { REGION: 'eu', PORT: '9', CHAOS_TOKEN: 'tok' });
    expect(cfg).toMatchObject({
      id: 'eu-1',
      region: 'eu',
      port: 8080,
      adminPort: 0,
      host: '127.0.0.1',
      token: 'tok',
      tokenGenerated: false,
    });
    expect(() => parseReplicaArgs(['--id', 'a', '--region', 'b', '--port', 'x'], {})).toThrow(
      /replica.port: expected an integer port/,
    );
    expect(() => parseReplicaArgs(['--region', 'b'], {})).toThrow(ConfigError);
    expect(parseReplicaArgs(['--id', 'a', '--region', 'b'], {}).tokenGenerated).toBe(true);
  });
});
