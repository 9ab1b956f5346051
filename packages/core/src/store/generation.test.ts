import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isNewerGeneration, nextGeneration, sequenceGeneration } from './generation.js';

describe('generation arithmetic', () => {
  it('nextGeneration is past the previous one and never below the floor', () => {
    fc.assert(
      fc.property(fc.nat(1e9), fc.nat(1e9), (previous, atLeast) => {
        const g = nextGeneration(previous, atLeast);
        expect(g).toBeGreaterThan(previous);
        expect(g).toBeGreaterThanOrEqual(atLeast);
        expect(g === previous + 1 || g === atLeast).toBe(true);
        expect(isNewerGeneration(g, previous)).toBe(true);
      }),
    );
  });

  it('a store numbers a stale proposal after the stored generation and keeps a newer one', () => {
    expect(sequenceGeneration(5, 3)).toBe(6);
    expect(sequenceGeneration(5, 5)).toBe(6);
    expect(sequenceGeneration(5, 9)).toBe(9);
  });

  it('wraps back to 1 past the bound', () => {
    expect(sequenceGeneration(10, 0, 10)).toBe(1);
    expect(sequenceGeneration(9, 0, 10)).toBe(10);
  });

  it('only a strictly greater generation is newer', () => {
    expect(isNewerGeneration(3, 3)).toBe(false);
    expect(isNewerGeneration(2, 3)).toBe(false);
    expect(isNewerGeneration(4, 3)).toBe(true);
  });
});
