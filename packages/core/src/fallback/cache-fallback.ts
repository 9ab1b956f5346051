import { systemClock, type Clock } from '../clock.js';
import { executeWith, invoke, type Ctx, type InternalPolicy } from '../execution.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { Emitter, withContext } from '../events.js';
import { safely, type FallbackEvent, type FallbackEvents } from './fallback.js';
import { checkOptions, checkInt, checkNumber, checkFunction, checkClock, checkKnownKeys } from '../kernel/options.js';

/** Options of {@link cacheFallback}. */
export interface CacheFallbackOptions {
  /** How long a stored success may be served after it was stored. */
  ttlMs: number;
  /** Entries kept, least recently used evicted first; default 1000. */
  maxEntries?: number;
  /** Which errors may be answered from the cache; default every error. */
  when?: (error: unknown) => boolean;
  clock?: Clock;
}

/** The cache fallback: a {@link Policy} with its entry count and a way to clear it. */
export interface CacheFallbackPolicy extends Policy {
  /** Entries stored now (expired ones included until touched or evicted). */
  readonly size: number;
  clear(): void;
  /** Subscribes to `fallback` (a stored value replaced a failure); returns the unsubscribe function. */
  on(event: 'fallback', fn: (e: FallbackEvent) => void): () => void;
}

interface Entry {
  readonly value: unknown;
  readonly storedAt: number;
}

class CacheFallback implements InternalPolicy, CacheFallbackPolicy {
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recent.
  private readonly entries = new Map<string, Entry>();
  private events: Emitter<FallbackEvents> | undefined;

  on(event: 'fallback', fn: (e: FallbackEvent) => void): () => void {
    return (this.events ??= new Emitter<FallbackEvents>()).on(event, fn);
  }

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly when: ((error: unknown) => boolean) | undefined,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    const key = ctx.key;
    if (key === undefined) return invoke(fn, ctx);
    return invoke(fn, ctx).then(
      (value) => {
        this.store(key, value);
        return value;
      },
      (error: unknown) => {
        if (ctx.aborted || (this.when !== undefined && !safely(this.when, error))) throw error;
        const entry = this.entries.get(key);
        if (entry === undefined) throw error;
        const ageMs = this.clock.now() - entry.storedAt;
        if (ageMs > this.ttlMs) {
          this.entries.delete(key);
          throw error;
        }
        if (this.events?.has('fallback') === true)
          this.events.emit('fallback', withContext({ error, key, ageMs }, ctx.context));
        this.entries.delete(key);
        this.entries.set(key, entry);
        return entry.value as T;
      },
    );
  }

  private store(key: string, value: unknown): void {
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: this.clock.now() });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }
}

/**
 * Remembers the last success per `ExecuteOptions.key` and serves it when a later call with the
 * same key fails, as long as it is younger than `ttlMs` ("stale on error"). Calls without a key
 * pass through untouched. Bounded: at most `maxEntries`, least recently used evicted.
 */
export function cacheFallback(o: CacheFallbackOptions): CacheFallbackPolicy {
  checkOptions('cacheFallback', o, true);
  checkKnownKeys('cacheFallback', o, ['ttlMs', 'maxEntries', 'when', 'clock'], {
    ttl: 'ttlMs',
    max: 'maxEntries',
    maxSize: 'maxEntries',
  });
  const ttlMs = checkNumber('cacheFallback.ttlMs', o.ttlMs, { min: 0, allowInfinity: true });
  const maxEntries = checkInt('cacheFallback.maxEntries', o.maxEntries ?? 1000, 1);
  checkFunction('cacheFallback.when', o.when);
  checkClock('cacheFallback.clock', o.clock);
  return new CacheFallback(ttlMs, maxEntries, o.when, o.clock ?? systemClock);
}
