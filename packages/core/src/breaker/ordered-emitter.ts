import { Emitter } from '../events.js';

/**
 * An {@link Emitter} whose deliveries never nest: an event raised while listeners run (a listener
 * calling `reset()` or `isolate()` on the breaker, a transition that causes) is queued and
 * delivered after the current one, so every listener sees events in the order they happened.
 * Listener errors never escape (Emitter reports them as process warnings).
 */
export class OrderedEmitter<Events extends Record<string, unknown>> extends Emitter<Events> {
  private delivering = false;
  private queued: Array<{ event: keyof Events; payload: unknown }> | undefined = undefined;

  override emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    if (this.delivering) {
      (this.queued ??= []).push({ event, payload });
      return;
    }
    this.delivering = true;
    try {
      super.emit(event, payload);
      const queue = this.queued;
      if (queue !== undefined) {
        // Listeners may queue more while this drains: the loop reads the growing length.
        for (let i = 0; i < queue.length; i++) super.emit(queue[i]!.event, queue[i]!.payload as Events[keyof Events]);
        this.queued = undefined;
      }
    } finally {
      this.delivering = false;
    }
  }
}
