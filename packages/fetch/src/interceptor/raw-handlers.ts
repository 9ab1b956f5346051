/**
 * The interceptor speaks undici's legacy handler interface (`onConnect`, `onHeaders(raw)`, `onData`,
 * `onComplete`, `onError`) toward the dispatcher below it and, when the caller's handler has it, toward
 * the caller: response heads pass through as undici's raw `Buffer[]`, as without the interceptor.
 *
 * Why: with the controller interface (`onResponseStart(controller, headers)`) at both ends, every
 * response's raw headers were parsed into an object for our attempt handler, then turned back into
 * Buffers (a `Buffer.from` per name and value, in `Dispatcher.compose`'s wrapper around the caller's
 * legacy handler — `request()`'s and fetch's) and parsed again by the caller. Measured interleaved in
 * one process (the bench:adapters interceptor pair, loaded 2-CPU machine): 79.4 → 75.1 µs CPU per
 * request, against 52.5 µs for the plain Agent.
 * Cost: two ways to hand a response to the caller — raw to a handler with `onHeaders` (compose's
 * wrapper always has it), parsed to one with only the controller interface — checked against each
 * other by `raw-handlers.int.test.ts`; our attempt parses its headers itself, lazily, when a
 * classification reads them (Retry-After on a failure).
 */
import type { Dispatcher } from 'undici';

type Controller = Dispatcher.DispatchController;
type Handler = Dispatcher.DispatchHandler;
/** Headers as undici's legacy handler interface carries them: `[name, value, name, value, ...]`. */
export type RawHeaders = ReadonlyArray<Buffer | string | ReadonlyArray<Buffer | string>>;
export type ParsedHeaders = Record<string, string | string[] | undefined>;

/**
 * One request's controls as the legacy interface hands them over (abort at connect, resume at the
 * headers, pause by returning false), behind the controller interface — what undici's own
 * `UnwrapController` does for a controller-interface handler.
 */
export class RequestControl implements Controller {
  /** undici's resume callback of this request (given with the headers). */
  resumeRequest: (() => void) | undefined;
  private isPaused = false;
  private isAborted = false;
  private abortReason: Error | null = null;

  constructor(private readonly abortRequest: (reason?: Error) => void) {}

  get aborted(): boolean {
    return this.isAborted;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  get reason(): Error | null {
    return this.abortReason;
  }

  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    if (this.isPaused) {
      this.isPaused = false;
      this.resumeRequest?.();
    }
  }

  abort(reason: Error): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.abortReason = reason;
    this.abortRequest(reason);
  }
}

function toText(x: Buffer | string): string {
  return typeof x === 'string' ? x : x.toString('utf8');
}

/** Raw headers as an object, as undici's `parseHeaders` makes them (names lower-cased, repeats as arrays). */
export function parseRawHeaders(raw: RawHeaders | null | undefined): ParsedHeaders {
  const out: ParsedHeaders = {};
  if (raw === null || raw === undefined) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as Buffer | string;
    const key = (typeof name === 'string' ? name : name.toString('latin1')).toLowerCase();
    const value = raw[i + 1]!;
    const prev = out[key];
    if (prev !== undefined && prev !== '') {
      const list = typeof prev === 'string' ? [prev] : prev;
      list.push(Array.isArray(value) ? String(value) : toText(value as Buffer | string));
      out[key] = list;
    } else {
      out[key] = Array.isArray(value)
        ? (value as ReadonlyArray<Buffer | string>).map(toText)
        : toText(value as Buffer | string);
    }
  }
  if ('content-length' in out && 'content-disposition' in out) {
    // As undici (nodejs/node#46528): this header's bytes are latin1, not UTF-8.
    out['content-disposition'] = Buffer.from(out['content-disposition'] as string).toString('latin1');
  }
  return out;
}

/**
 * The caller's side of one logical request: its handler, in whichever interface it speaks, and
 * the controller the caller was given (the logical call: pause, resume and abort reach the attempt
 * whose response it receives).
 */
export class CallerHandler {
  /** True when the handler takes raw heads (`onHeaders`): compose's wrapper of a legacy handler always does. */
  readonly raw: boolean;

  constructor(
    readonly handler: Handler,
    private readonly controller: Controller,
  ) {
    this.raw = typeof handler.onHeaders === 'function';
  }

  private readonly resumeFromCaller = (): void => this.controller.resume();

  start(statusCode: number, headers: RawHeaders, statusMessage: string | undefined, parsed: () => ParsedHeaders): void {
    const h = this.handler;
    if (this.raw) {
      if (h.onHeaders!(statusCode, headers as Buffer[], this.resumeFromCaller, statusMessage as string) === false)
        this.controller.pause();
    } else {
      h.onResponseStart?.(this.controller, statusCode, parsed(), statusMessage);
    }
  }

  data(chunk: Buffer): void {
    const h = this.handler;
    if (this.raw) {
      if (h.onData?.(chunk) === false) this.controller.pause();
    } else {
      h.onResponseData?.(this.controller, chunk);
    }
  }

  end(trailers: RawHeaders | null): void {
    const h = this.handler;
    if (this.raw) h.onComplete?.(trailers as string[] | null);
    else h.onResponseEnd?.(this.controller, parseRawHeaders(trailers));
  }

  error(error: Error): void {
    const h = this.handler;
    if (this.raw) h.onError?.(error);
    else h.onResponseError?.(this.controller, error);
  }
}
