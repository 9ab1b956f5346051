/**
 * A minimal typed event emitter: listeners in an array per event, `on` returns the unsubscribe
 * function. Emitting with no listeners costs one property read, so the hot path can always emit.
 */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners: { [K in keyof Events]?: Array<(e: Events[K]) => void> } = {};

  on<K extends keyof Events>(event: K, fn: (e: Events[K]) => void): () => void {
    const list = (this.listeners[event] ??= []);
    list.push(fn);
    return () => {
      const current = this.listeners[event];
      if (current === undefined) return;
      const i = current.indexOf(fn);
      if (i >= 0) {
        // Copy on write so an emit in progress is not disturbed.
        const next = current.slice();
        next.splice(i, 1);
        this.listeners[event] = next.length > 0 ? next : undefined;
      }
    };
  }

  /** True when someone listens for `event` (lets callers skip building the payload). */
  has<K extends keyof Events>(event: K): boolean {
    return this.listeners[event] !== undefined;
  }

  /** Calls every listener; a throwing listener is reported and never breaks the caller. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list = this.listeners[event];
    if (list === undefined) return;
    for (const fn of list) {
      try {
        fn(payload);
      } catch (e) {
        queueMicrotask(() => {
          process.emitWarning?.(
            `Breakwater: a '${String(event)}' listener threw: ${e instanceof Error ? e.message : String(e)}`,
          );
        });
      }
    }
  }

  removeAll(): void {
    for (const k of Object.keys(this.listeners)) delete this.listeners[k as keyof Events];
  }
}

/**
 * Attaches the call's `ExecuteOptions.context` to an event payload as a non-enumerable `context`
 * property: listeners (otel, prometheus) can correlate the event with its call, while logging or
 * serialising the event never dumps request data. Only called when someone listens.
 */
export function withContext<P extends object>(
  payload: P,
  context: Record<string, unknown>,
): P & { readonly context: Record<string, unknown> } {
  return Object.defineProperty(payload, 'context', { value: context, enumerable: false }) as P & {
    readonly context: Record<string, unknown>;
  };
}
