import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SmallSet } from './small-set.js';

type Op = { kind: 'add' | 'delete'; x: number } | { kind: 'iterate'; deleteAt: number; del: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('add' as const, 'delete' as const), x: fc.integer({ min: 0, max: 4 }) }),
  fc.record({
    kind: fc.constant('iterate' as const),
    deleteAt: fc.integer({ min: -1, max: 4 }),
    del: fc.integer({ min: 0, max: 4 }),
  }),
);

describe('SmallSet vs Set', () => {
  it('the same schedule of adds, deletes and iterations (deleting while iterating) gives the same members in the same order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const fast = new SmallSet<string>();
        const plain = new Set<string>();
        const seenFast: string[] = [];
        const seenPlain: string[] = [];
        for (const o of ops) {
          if (o.kind === 'add') {
            fast.add(`m${o.x}`);
            plain.add(`m${o.x}`);
          } else if (o.kind === 'delete') {
            fast.delete(`m${o.x}`);
            plain.delete(`m${o.x}`);
          } else if (o.kind === 'iterate') {
            // An iteration whose body deletes a member once it has seen `deleteAt` members.
            const { deleteAt, del: victim } = o;
            const walk = (s: Iterable<string>, del: (x: string) => void, out: string[]): void => {
              let i = 0;
              for (const m of s) {
                out.push(m);
                if (i++ === deleteAt) del(`m${victim}`);
              }
              out.push('|');
            };
            walk(fast, (x) => fast.delete(x), seenFast);
            walk(plain, (x) => plain.delete(x), seenPlain);
          }
        }
        expect(seenFast).toEqual(seenPlain);
        expect([...fast]).toEqual([...plain]);
        expect(fast.isEmpty).toBe(plain.size === 0);
      }),
      { numRuns: 1000 },
    );
  });
});
