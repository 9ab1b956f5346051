import type { AttemptContext } from '@breakwater/core';
import { describe, expect, it } from 'vitest';
import { AbortableDispatch } from './dispatch-abort.js';

/** A dispatcher that records each dispatch and lets the test connect it. */
function fakeDispatcher() {
  const dispatched: Array<{ handler: Record<string, unknown> }> = [];
  return {
    dispatched,
    dispatch(_options: object, handler: object): boolean {
      dispatched.push({ handler: handler as Record<string, unknown> });
      return true;
    },
    /** Connects the i-th request: calls its handler's onConnect with an abort function that records. */
    connect(i: number): unknown[] {
      const aborts: unknown[] = [];
      const h = dispatched[i]!.handler as { onConnect(abort: (r?: unknown) => void): void };
      h.onConnect((reason) => aborts.push(reason));
      return aborts;
    },
  };
}

function attempt(): { ctx: AttemptContext; abort(reason: unknown): void } {
  const ac = new AbortController();
  return { ctx: { signal: ac.signal } as AttemptContext, abort: (r) => ac.abort(r) };
}

/** undici fetch's handler shape: onConnect stores the request's abort function in `abort`. */
function fetchHandler() {
  return {
    abort: null as ((reason?: unknown) => void) | null,
    onConnect(abort: (reason?: unknown) => void) {
      this.abort = abort;
    },
  };
}

describe('AbortableDispatch', () => {
  it("hands undici fetch's own handler through unwrapped and aborts through its recorded abort", () => {
    const d = fakeDispatcher();
    const a = attempt();
    const view = new AbortableDispatch(d, a.ctx);
    const h = fetchHandler();
    view.dispatch({}, h);
    expect(d.dispatched[0]!.handler).toBe(h);
    const aborts = d.connect(0);
    a.abort('deadline');
    expect(aborts).toEqual(['deadline']);
    view.release();
  });

  it('an abort before the connect aborts the request as soon as it connects', () => {
    const d = fakeDispatcher();
    const a = attempt();
    const view = new AbortableDispatch(d, a.ctx);
    view.dispatch({}, fetchHandler());
    a.abort('early');
    expect(d.connect(0)).toEqual(['early']);
  });

  it('a hop dispatched after the abort (a redirect) is aborted at its connect', () => {
    const d = fakeDispatcher();
    const a = attempt();
    const view = new AbortableDispatch(d, a.ctx);
    a.abort('gone');
    view.dispatch({}, fetchHandler());
    expect(d.connect(0)).toEqual(['gone']);
  });

  it('another handler (no `abort` slot) is wrapped to observe its connect, and aborted the same way', () => {
    const d = fakeDispatcher();
    const a = attempt();
    const view = new AbortableDispatch(d, a.ctx);
    const connected: unknown[] = [];
    const h = { onConnect: (abort: unknown) => connected.push(abort) };
    view.dispatch({}, h);
    expect(d.dispatched[0]!.handler).not.toBe(h);
    const aborts = d.connect(0);
    expect(connected).toHaveLength(1);
    a.abort('deadline');
    expect(aborts).toEqual(['deadline']);
  });

  it('after release() an abort no longer reaches the request', () => {
    const d = fakeDispatcher();
    const a = attempt();
    const view = new AbortableDispatch(d, a.ctx);
    view.dispatch({}, fetchHandler());
    const aborts = d.connect(0);
    view.release();
    a.abort('late');
    expect(aborts).toEqual([]);
  });
});
