import { finished } from 'node:stream';
import { isAxiosError, isCancel } from 'axios';

/**
 * Errors axios raises on the client side, with no HTTP status: the request was refused by the
 * caller's own limits or options, not by a struggling upstream. Retrying cannot help and a breaker
 * must not count them (two oversized responses must not open the breaker for healthy calls).
 * `ERR_FR_REDIRECTION_FAILURE` is not here: it wraps a network failure of a redirected request.
 */
const CALLER_CODES: ReadonlySet<string> = new Set([
  'ERR_BAD_REQUEST', // unsupported protocol, bad data URI
  'ERR_BAD_OPTION',
  'ERR_BAD_OPTION_VALUE',
  'ERR_NOT_SUPPORT',
  'ERR_INVALID_URL',
  'ERR_DEPRECATED',
  'ERR_FORM_DATA_DEPTH_EXCEEDED',
  'ERR_FR_TOO_MANY_REDIRECTS',
  'ERR_FR_MAX_BODY_LENGTH_EXCEEDED', // maxRedirects, maxBodyLength
]);

/**
 * True for an axios error the caller caused (see {@link CALLER_CODES}), including
 * `maxContentLength` exceeded (`ERR_BAD_RESPONSE` without a response). Errors carrying a response
 * are judged by their status elsewhere.
 */
export function isCallerError(e: unknown): boolean {
  if (!isAxiosError(e) || e.response !== undefined) return false;
  const code = e.code;
  if (code === undefined) return false;
  if (CALLER_CODES.has(code)) return true;
  return code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(e.message);
}

/** True for an error axios produced for a cancellation (CanceledError). */
export { isCancel };

type NodeStream = { destroy(): void; pipe: unknown; once: unknown };
type WebStream = ReadableStream<unknown>;

function isNodeStream(x: unknown): x is NodeStream {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as NodeStream).pipe === 'function' &&
    typeof (x as NodeStream).destroy === 'function'
  );
}

function isWebStream(x: unknown): x is WebStream {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as WebStream).getReader === 'function' &&
    typeof (x as WebStream).cancel === 'function'
  );
}

/** True when `data` is a response body still being streamed (`responseType: 'stream'`). */
export function isStreamData(data: unknown): boolean {
  return isNodeStream(data) || isWebStream(data);
}

/** Destroys a streamed response body nobody will read, so its connection is closed or reused. */
export function releaseData(data: unknown): void {
  if (isNodeStream(data)) data.destroy();
  else if (isWebStream(data) && !data.locked) data.cancel().catch(() => undefined);
}

/**
 * Calls `done` once the streamed body `data` has ended, failed or been destroyed; at once for any
 * other data. Returns the data the caller should get: a Node stream is returned as is (watched
 * with `stream.finished`); a WHATWG stream (axios' fetch adapter) is wrapped in a pass-through
 * whose end or cancel is observable.
 */
export function onDataDone<T>(data: T, done: () => void): T {
  if (isNodeStream(data)) {
    const off = finished(data as unknown as NodeJS.ReadableStream, () => {
      off();
      done();
    });
    return data;
  }
  if (isWebStream(data)) {
    const reader = data.getReader();
    return new ReadableStream<unknown>(
      {
        pull: (controller) =>
          reader.read().then(
            (r) => {
              if (r.done) {
                done();
                controller.close();
              } else controller.enqueue(r.value);
            },
            (e: unknown) => {
              done();
              controller.error(e);
            },
          ),
        cancel: (reason) => {
          done();
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    ) as unknown as T;
  }
  done();
  return data;
}
