import type { AttemptAbort } from '@breakwater/core/internal';

/** One link shared by a Response and its clones: released when every one of them is done. */
interface Shared {
  readonly link: AttemptAbort;
  open: number;
}

/** One Response's part. Held by the FinalizationRegistry, so it must never reference the Response. */
interface Tracked {
  readonly shared: Shared;
  done: boolean;
  /** True once our `body` stream took a reader on the real body. */
  reading: boolean;
}

/** What a linked Response carries (an own symbol property). */
interface Linked {
  readonly tracked: Tracked;
  stream: ReadableStream<Uint8Array> | undefined;
}

const kLinked = Symbol('breakwater.linkedBody');
type LinkedResponse = Response & { [kLinked]: Linked };

function finish(t: Tracked): void {
  if (t.done) return;
  t.done = true;
  collected.unregister(t);
  if (--t.shared.open === 0) t.shared.link.release();
}

/**
 * A linked Response dropped before its body was consumed: release its share of the link, or the
 * caller's long-lived signal would keep it (and its AbortController) forever. The body itself is
 * cancelled by undici's own registry, as for any fetched Response collected unread.
 */
const collected = new FinalizationRegistry<Tracked>(finish);

/** The methods of Body that consume the whole body and settle when it is read or failed. */
const CONSUMERS = ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text'] as const;

/** Per Response class (global or undici's): its prototype extended with the tracking below. */
const linkedProtos = new WeakMap<object, object | null>();

function getterOf(proto: object | null, name: string): (() => ReadableStream<Uint8Array> | null) | undefined {
  for (let p = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (d !== undefined) return d.get;
  }
  return undefined;
}

function linkedProto(proto: object): object | null {
  let linked = linkedProtos.get(proto);
  if (linked !== undefined) return linked;
  const bodyGetter = getterOf(proto, 'body');
  const clone = (proto as Response).clone as unknown;
  linked =
    typeof bodyGetter !== 'function' || typeof clone !== 'function'
      ? null
      : buildProto(proto, bodyGetter, clone as () => Response);
  linkedProtos.set(proto, linked);
  return linked;
}

function buildProto(proto: object, bodyGetter: () => ReadableStream<Uint8Array> | null, clone: () => Response): object {
  const descriptors: PropertyDescriptorMap = {
    body: {
      get(this: LinkedResponse): ReadableStream<Uint8Array> | null {
        const l = this[kLinked];
        if (l.stream !== undefined) return l.stream;
        if (bodyGetter.call(this) === null) return null;
        l.stream = trackedStream(this, l.tracked, bodyGetter);
        return l.stream;
      },
      configurable: true,
      enumerable: true,
    },
    clone: {
      value(this: LinkedResponse): Response {
        const copy = clone.call(this);
        const t = this[kLinked].tracked;
        // A clone has a body of its own (a branch of the same network stream): the link stays until
        // both are done. A clone of a consumed body throws above, as fetch's does.
        if (!t.done) {
          t.shared.open++;
          track(copy, t.shared);
        }
        return copy;
      },
      configurable: true,
      writable: true,
    },
  };
  for (const name of CONSUMERS) {
    const method = (proto as Record<string, unknown>)[name];
    if (typeof method !== 'function') continue;
    descriptors[name] = {
      value(this: LinkedResponse, ...args: unknown[]): Promise<unknown> {
        const t = this[kLinked].tracked;
        const p = (method as (...a: unknown[]) => Promise<unknown>).apply(this, args);
        // Our `body` stream is reading the real body: this call fails (body in use) and the stream
        // decides when the body is done.
        if (t.reading || t.done) return p;
        // The callbacks use `this`: the Response stays reachable (and its link held) while its body
        // is being read, even if the caller kept only the promise.
        return p.then(
          (v) => {
            finish(this[kLinked].tracked);
            return v;
          },
          (e: unknown) => {
            finish(this[kLinked].tracked);
            throw e;
          },
        );
      },
      configurable: true,
      writable: true,
    };
  }
  return Object.create(proto, descriptors) as object;
}

/**
 * `res.body` of a linked Response: reads through the real body, taking its reader on the first
 * read only, so `res.body !== null` checks followed by `res.text()` still work.
 */
function trackedStream(
  res: Response,
  t: Tracked,
  bodyGetter: () => ReadableStream<Uint8Array> | null,
): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (reader === undefined) {
          // The real body as it is now (clone() replaces it with a branch of a tee).
          reader = bodyGetter.call(res)!.getReader();
          t.reading = true;
        }
        return reader.read().then(
          (r) => {
            if (r.done) {
              finish(t);
              controller.close();
            } else {
              controller.enqueue(r.value);
            }
          },
          (e: unknown) => {
            finish(t);
            controller.error(e);
          },
        );
      },
      cancel(reason) {
        if (reader !== undefined) {
          finish(t);
          return reader.cancel(reason);
        }
        // Fails while `text()` & co. read the body; then they release the link when they settle.
        return bodyGetter
          .call(res)!
          .cancel(reason)
          .then(() => finish(t));
      },
    },
    { highWaterMark: 0 },
  );
}

function track(res: Response, shared: Shared): void {
  const tracked: Tracked = { shared, done: false, reading: false };
  (res as LinkedResponse)[kLinked] = { tracked, stream: undefined };
  Object.setPrototypeOf(res, linkedProto(Object.getPrototypeOf(res) as object));
  collected.register(res, tracked, tracked);
}

/**
 * Keeps `link` (the caller's signal → this attempt's request) until `res`'s body is consumed —
 * read to the end or failed by `text()`, `json()`, `arrayBuffer()`, `blob()`, `formData()`,
 * `bytes()`, read to the end or cancelled through `res.body` — by it and by every clone, then
 * releases it.
 *
 * The Response stays the object fetch returned (same class, status, headers, url, redirected,
 * type): only its prototype is swapped for one that extends the original with that bookkeeping.
 * No stream or Response is allocated unless the caller reads `res.body` (a wrapping
 * `ReadableStream` costs ~10 µs on Node 20). A Response without a body (HEAD, 204, 304), or one
 * that does not look like a fetch Response, is returned untouched with the link released.
 */
export function linkBody(res: Response, link: AttemptAbort): Response {
  const proto = typeof res === 'object' && res !== null ? (Object.getPrototypeOf(res) as object | null) : null;
  const linked = proto === null ? null : linkedProto(proto);
  const body = linked === null || kLinked in res ? null : res.body;
  if (linked === null || body === null || body === undefined || body.locked) {
    link.release();
    return res;
  }
  track(res, { link, open: 1 });
  return res;
}
