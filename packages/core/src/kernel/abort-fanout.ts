/**
 * One `abort` listener per AbortSignal, fanned out to any number of callbacks.
 *
 * Why: a caller's long-lived signal is shared by every call, retry and timeout made with it. Adding
 * an EventTarget listener per call costs hundreds of nanoseconds and, with more than ten calls in
 * flight, triggers Node's MaxListenersExceededWarning (cockatiel #81). Here the signal carries at
 * most one listener while anything waits on it, and none once nothing does.
 */
class AbortFanout {
  readonly callbacks = new Set<() => void>();
  constructor(private readonly signal: AbortSignal) {}

  readonly onAbort = (): void => {
    registry.delete(this.signal);
    // Copy first: a callback may unlisten others while we iterate.
    const list = [...this.callbacks];
    this.callbacks.clear();
    for (const cb of list) {
      try {
        cb();
      } catch (e) {
        // Our callbacks settle promises and should not throw; if one does, warn, never crash.
        process.emitWarning(`Breakwater: abort callback threw: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
}

const registry = new WeakMap<AbortSignal, AbortFanout>();

/**
 * Brand of an abort source that is its own fan-out: a per-attempt object of ours (the HTTP kit's
 * `AttemptSignalLike`) whose listener list is a small array that never warns and dies with the
 * attempt.
 *
 * Why: for such a source the registry's WeakMap entry, fan-out object, Set and extra listener are
 * pure overhead, paid twice per attempt by createFetch through a balancer with a timeout (the
 * balancer's race and the pooled dispatch both listen); WeakMap entries on short-lived keys also
 * add GC work. With the option-object fix in resilientCall, createFetch's own CPU per call (fake
 * transport, retry+breaker+timeout, one-endpoint balancer) fell from 5.2 to 2.7 µs.
 * Cost: one brand check per listen/unlisten; the source must dedupe listeners and call each once,
 * as an EventTarget does (checked against the fan-out path by attempt-signal-fanout.property.test.ts).
 */
export const FANS_OUT: unique symbol = Symbol('breakwater.fansOut');

function fansOut(signal: AbortSignal): boolean {
  return (signal as { [FANS_OUT]?: true })[FANS_OUT] === true;
}

/**
 * Calls `fn` once when `signal` aborts. The caller must call {@link unlistenAbort} with the same
 * function when it no longer cares (call settled). Does nothing for an already aborted signal:
 * check `signal.aborted` first.
 */
export function listenAbort(signal: AbortSignal, fn: () => void): void {
  if (signal.aborted) return;
  if (fansOut(signal)) signal.addEventListener('abort', fn);
  else listenThroughFanout(signal, fn);
}

/** Removes `fn`; the signal's own listener goes when the last callback does. Idempotent. */
export function unlistenAbort(signal: AbortSignal, fn: () => void): void {
  if (fansOut(signal)) signal.removeEventListener('abort', fn);
  else unlistenThroughFanout(signal, fn);
}

/** {@link listenAbort} through the registry whatever the signal (the plain path; tests compare both). @internal */
export function listenThroughFanout(signal: AbortSignal, fn: () => void): void {
  if (signal.aborted) return;
  let fanout = registry.get(signal);
  if (fanout === undefined) {
    fanout = new AbortFanout(signal);
    registry.set(signal, fanout);
    signal.addEventListener('abort', fanout.onAbort, { once: true });
  }
  fanout.callbacks.add(fn);
}

/** {@link unlistenAbort} through the registry (the plain path). @internal */
export function unlistenThroughFanout(signal: AbortSignal, fn: () => void): void {
  const fanout = registry.get(signal);
  if (fanout === undefined) return;
  fanout.callbacks.delete(fn);
  if (fanout.callbacks.size === 0) {
    registry.delete(signal);
    signal.removeEventListener('abort', fanout.onAbort);
  }
}
