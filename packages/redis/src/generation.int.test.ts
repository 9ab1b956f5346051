import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sequenceGeneration } from '@breakwater/core/internal';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { MAX_GEN } from './bounds.js';
import { SEQUENCE_GENERATION_LUA } from './scripts.js';
import { Redis } from './test-support/ioredis.js';

// Runs the Lua mirror over ARGV triples (stored, proposed, maxGen); writes no key.
const EVAL_MANY = `${SEQUENCE_GENERATION_LUA}
local out = {}
for i = 1, #ARGV, 3 do
  out[#out + 1] = string.format('%.0f', sequenceGen(tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])))
end
return out
`;

describe('generation arithmetic: the transition script agrees with core', () => {
  const redis = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  afterAll(() => redis.quit());

  const gen = fc.oneof(
    fc.integer({ min: 0, max: 1_000 }),
    fc.integer({ min: MAX_GEN - 1_000, max: MAX_GEN + 1_000 }),
    fc.integer({ min: 0, max: MAX_GEN }),
  );
  const maxGen = fc.oneof(fc.constant(MAX_GEN), fc.integer({ min: 1, max: 2_000 }));

  it('sequenceGen(stored, proposed, maxGen) in Lua equals sequenceGeneration() for the same inputs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(gen, gen, maxGen), { minLength: 1, maxLength: 200 }), async (cases) => {
        const argv = cases.flatMap(([s, p, m]) => [String(s), String(p), String(m)]);
        const lua = (await redis.eval(EVAL_MANY, 0, ...argv)) as string[];
        expect(lua).toEqual(cases.map(([s, p, m]) => String(sequenceGeneration(s, p, m))));
      }),
      { numRuns: 50 },
    );
  });

  it('edge cases: a stale proposal, a newer one, the wrap past the bound', async () => {
    const cases: Array<[number, number, number]> = [
      [5, 3, MAX_GEN],
      [5, 9, MAX_GEN],
      [0, 0, MAX_GEN],
      [MAX_GEN, 0, MAX_GEN],
      [MAX_GEN - 1, 0, MAX_GEN],
    ];
    const lua = (await redis.eval(EVAL_MANY, 0, ...cases.flat().map(String))) as string[];
    expect(lua).toEqual(['6', '9', '1', '1', String(MAX_GEN)]);
    expect(cases.map(([s, p, m]) => String(sequenceGeneration(s, p, m)))).toEqual(lua);
  });
});
