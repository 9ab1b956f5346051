import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseTarget } from './target.js';

describe('parseTarget', () => {
  it.each([
    '//',
    '///',
    '//@',
    '//x:99999',
    '//[::1',
    '//%',
    '//evil.example/api/work',
    '/\\evil/x',
    '*',
    'http://x/api',
    '',
    'api/work',
  ])('refuses %j without throwing', (raw) => {
    expect(parseTarget(raw)).toBeUndefined();
  });

  it('parses origin form: path and query', () => {
    const t = parseTarget('/api/work?n=7&x=%20');
    expect(t?.path).toBe('/api/work');
    expect(t?.query.get('n')).toBe('7');
    expect(parseTarget('/%')?.path).toBe('/%');
    expect(parseTarget('/a/../b')?.path).toBe('/b');
    expect(parseTarget(undefined)).toBeUndefined();
  });

  it('never throws and never yields a path outside origin form (fixed seed)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.constantFrom('', '/', '//', '/?', '/%'),
        (s, prefix) => {
          const t = parseTarget(prefix + s);
          if (t !== undefined) expect(t.path.startsWith('/')).toBe(true);
        },
      ),
      { seed: 15, numRuns: 2_000 },
    );
  });
});
