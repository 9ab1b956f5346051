import type { LiveEndpoint, Picker, Strategy } from '../balancing/types.js';

/**
 * Wraps a strategy so a test can read the live per-endpoint state a balancer hands its strategy
 * (`errorRate`, `score`, ...) through the public custom-strategy interface (`Strategy` → `Picker`)
 * instead of the balancer's private fields. Behaviour is the wrapped strategy's.
 */
export function observeStrategy(inner: Strategy): { strategy: Strategy; live(id: string): LiveEndpoint } {
  const seen = new Map<string, LiveEndpoint>();
  const strategy: Strategy = {
    name: inner.name,
    ...(inner.decayMs === undefined ? {} : { decayMs: inner.decayMs }),
    create(env) {
      const picker = inner.create(env);
      const observed: Picker = {
        rebuild(candidates) {
          for (const c of candidates) seen.set(c.id, c);
          picker.rebuild(candidates);
        },
        pick: (key, admit) => picker.pick(key, admit),
      };
      if (picker.onStart !== undefined) observed.onStart = (c) => picker.onStart!(c);
      if (picker.onEnd !== undefined)
        observed.onEnd = (c, durationMs, success) => picker.onEnd!(c, durationMs, success);
      return observed;
    },
  };
  const live = (id: string): LiveEndpoint => {
    const c = seen.get(id);
    if (c === undefined)
      throw new Error(`observeStrategy: the balancer has not offered endpoint ${id} to its strategy yet`);
    return c;
  };
  return { strategy, live };
}
