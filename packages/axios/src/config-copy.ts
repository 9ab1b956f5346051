/**
 * A shallow copy of an axios request config: what `{ ...config }` gives (own enumerable string
 * keys in order, then own enumerable symbol keys, as data properties), built key by key.
 *
 * Why: axios (≥ 1.12) builds every request config with `Object.create(null)` in `mergeConfig`; V8
 * copies such a dictionary-mode, null-prototype object through its slowest path. Copying one
 * 18-key config for each attempt cost ~6.5 µs with a spread and ~1.7 µs this way (loaded 2-CPU
 * machine); `withResilience`'s own CPU per request (fake transport, retry+breaker+timeout) fell
 * from 7.4 to 5.4 µs.
 * Cost: one loop instead of a spread; a `__proto__` key is defined, never assigned (assigning would
 * set the copy's prototype). `config-copy.property.test.ts` checks it against the spread.
 */
export function copyConfig<T extends object>(config: T): T {
  const out: Record<PropertyKey, unknown> = {};
  const src = config as Record<PropertyKey, unknown>;
  const keys = Object.keys(src);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k === '__proto__')
      Object.defineProperty(out, k, { value: src[k], enumerable: true, writable: true, configurable: true });
    else out[k] = src[k];
  }
  const symbols = Object.getOwnPropertySymbols(src);
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i]!;
    if (Object.prototype.propertyIsEnumerable.call(src, s)) out[s] = src[s];
  }
  return out as T;
}
