import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyConfig } from './config-copy.js';

const key = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'signal', 'url', '0', '10', 'headers'),
  fc.string({ maxLength: 6 }),
);
const value = fc.oneof(
  fc.integer(),
  fc.string(),
  fc.constant(undefined),
  fc.constant(null),
  fc.object({ maxDepth: 1 }),
);

/** Everything a spread would carry: own keys in order, with their descriptors. */
function shape(o: object): unknown {
  return {
    proto: Object.getPrototypeOf(o),
    props: Reflect.ownKeys(o).map((k) => [
      typeof k === 'symbol' ? k.toString() : k,
      Object.getOwnPropertyDescriptor(o, k),
    ]),
  };
}

describe('copyConfig vs a spread', () => {
  it('gives what { ...config } gives for null-prototype (axios) and plain objects, symbols and __proto__ keys included', () => {
    const sym = Symbol('mark');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, value), { maxLength: 20 }),
        fc.boolean(),
        fc.option(value, { nil: undefined }),
        fc.boolean(),
        (entries, nullProto, symbolValue, hiddenSymbol) => {
          const src: Record<PropertyKey, unknown> = nullProto ? Object.create(null) : {};
          for (const [k, v] of entries)
            Object.defineProperty(src, k, { value: v, enumerable: true, writable: true, configurable: true });
          if (symbolValue !== undefined || !hiddenSymbol) src[sym] = symbolValue;
          if (hiddenSymbol) Object.defineProperty(src, Symbol('hidden'), { value: 1, enumerable: false });
          Object.defineProperty(src, 'hiddenKey', { value: 2, enumerable: false });
          const fast = copyConfig(src);
          const spread = { ...src };
          expect(shape(fast)).toEqual(shape(spread));
          fast.signal = 'x';
          const spreadWithSignal = { ...src, signal: 'x' };
          expect(shape(fast)).toEqual(shape(spreadWithSignal));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads getters once, as a spread does', () => {
    let reads = 0;
    const src = Object.create(null) as Record<string, unknown>;
    Object.defineProperty(src, 'g', { get: () => ++reads, enumerable: true });
    expect(copyConfig(src)).toEqual({ g: 1 });
    expect(reads).toBe(1);
  });
});
