import { listenAbort, unlistenAbort } from '@breakwater/core';

/**
 * The abort source handed to the underlying fetch for one attempt whose own signal is not the
 * caller's (a timeout or hedge gave the attempt a fork of the caller's context).
 *
 * Why: a fork is unlinked from the caller's signal when the attempt settles, so passing the fork's
 * signal to fetch meant that aborting the caller's signal once the headers had arrived no longer
 * reached the body: `res.text()` hung until the server gave up. Plain fetch rejects the body read
 * instead. This controller is aborted by the attempt's signal (timeout, losing hedge) and by the
 * caller's signal, and stays linked until the response body is consumed, cancelled or errored
 * (see {@link linkBody}) — not merely until the attempt settles.
 *
 * Both links go through core's fan-out registry: a long-lived caller signal shared by any number
 * of calls carries a single `abort` listener, and none once every body is done. (`AbortSignal.any`
 * would do the linking too, but leaks on Node 20: nodejs/node#55328.)
 */
export class AttemptAbort {
  private readonly controller = new AbortController();
  private linked = false;

  constructor(private readonly caller: AbortSignal, private readonly attempt: AbortSignal) {
    if (caller.aborted) this.controller.abort(caller.reason);
    else if (attempt.aborted) this.controller.abort(attempt.reason);
    else {
      this.linked = true;
      listenAbort(caller, this.onCallerAbort);
      listenAbort(attempt, this.onAttemptAbort);
    }
  }

  /** The signal to give the underlying fetch. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Drops both links; the request or its body can no longer be aborted through us. Idempotent. */
  release(): void {
    if (!this.linked) return;
    this.linked = false;
    unlistenAbort(this.caller, this.onCallerAbort);
    unlistenAbort(this.attempt, this.onAttemptAbort);
  }

  private readonly onCallerAbort = (): void => this.abort(this.caller.reason);
  private readonly onAttemptAbort = (): void => this.abort(this.attempt.reason);

  private abort(reason: unknown): void {
    // Aborted once is aborted for good: nothing left to listen for.
    this.release();
    this.controller.abort(reason);
  }
}

/** What a wrapped body needs to release its link; never references the Response (see `collected`). */
interface BodyState {
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly link: AttemptAbort;
  done: boolean;
}

function finish(state: BodyState): void {
  if (state.done) return;
  state.done = true;
  state.link.release();
  collected.unregister(state);
}

/**
 * A returned Response dropped with its body unread: release the link and cancel the real body so
 * its socket is freed. Plain fetch does the same for its own responses (undici cancels the body of
 * a collected Response), but only for unlocked bodies, and ours is locked by our reader.
 */
const collected = new FinalizationRegistry<BodyState>((state) => {
  if (state.done) return;
  state.done = true;
  state.link.release();
  state.reader.cancel().catch(() => undefined);
});

/** What a fetched Response has that `new Response()` cannot set. */
function copyIdentity(target: Response, source: Response): void {
  const clone = Object.getPrototypeOf(target).clone as (this: Response) => Response;
  Object.defineProperties(target, {
    url: { value: source.url, enumerable: true, configurable: true },
    redirected: { value: source.redirected, enumerable: true, configurable: true },
    type: { value: source.type, enumerable: true, configurable: true },
    // The same (immutable) Headers object the transport produced.
    headers: { value: source.headers, enumerable: true, configurable: true },
    clone: {
      value(this: Response): Response {
        const copy = clone.call(this);
        copyIdentity(copy, this);
        return copy;
      },
      configurable: true,
      writable: true,
    },
  });
}

/**
 * Keeps `link` (the caller's signal → this attempt's request) alive until `res`'s body is fully
 * read, cancelled or errored, then releases it. Returns a Response with the same status, headers,
 * url, redirected and type whose body reads through the original one; a Response without a body
 * (HEAD, 204, 304) is returned as it is, with the link already released.
 */
export function linkBody(res: Response, link: AttemptAbort): Response {
  const body = res.body as ReadableStream<Uint8Array> | null | undefined;
  // `new Response()` accepts statuses 200–599 only; anything else (a test double, an opaque
  // response) keeps its body unlinked rather than breaking.
  if (body === null || body === undefined || typeof body.getReader !== 'function' || body.locked
      || res.status < 200 || res.status > 599) {
    link.release();
    return res;
  }
  const reader = body.getReader();
  const state: BodyState = { reader, link, done: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      return reader.read().then(
        (r) => {
          if (r.done) {
            finish(state);
            controller.close();
          } else {
            controller.enqueue(r.value);
          }
        },
        (e: unknown) => {
          finish(state);
          controller.error(e);
        },
      );
    },
    cancel(reason) {
      finish(state);
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  let wrapped: Response;
  try {
    const Ctor = (typeof res.constructor === 'function' ? res.constructor : Response) as typeof Response;
    wrapped = new Ctor(stream, { status: res.status, statusText: res.statusText, headers: res.headers });
    copyIdentity(wrapped, res);
  } catch {
    // A status text `new Response()` refuses, or a foreign Response class: hand back the original.
    reader.releaseLock();
    link.release();
    return res;
  }
  collected.register(wrapped, state, state);
  return wrapped;
}
