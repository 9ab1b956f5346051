import { isAbsoluteUrl } from '@breakwater/core/internal';

/** A fetch call normalised once, replayable for every attempt. */
export interface NormalisedRequest {
  /** The URL as given (possibly relative, to be resolved against a balanced endpoint). */
  url: string;
  method: string;
  /** The effective request headers (init's replace the Request's, as fetch does). Built on first read. */
  readonly headers: Headers;
  /** False when the caller gave no headers: fetch then needs none from us (building a Headers costs). */
  readonly headersGiven: boolean;
  /** The caller's signal (init's, else the Request's). */
  signal: AbortSignal | undefined;
  /** The original Request input, when one was given (cloned per attempt). */
  request: Request | undefined;
  /** Init minus signal and body. */
  init: RequestInit | undefined;
  /** A body that can be sent again on every attempt (undefined: none, or the Request's own). */
  body: BodyInit | undefined;
  /** True when the body is a one-shot stream that was not buffered: the request is sent once. */
  oneShot: boolean;
}

function isRequest(x: unknown): x is Request {
  // Duck-typed: a Request from another fetch implementation (undici's) is fine too.
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof URL) &&
    typeof (x as Request).url === 'string' &&
    typeof (x as Request).method === 'string' &&
    typeof (x as Request).clone === 'function'
  );
}

function isReplayable(body: unknown): boolean {
  return (
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof URLSearchParams ||
    body instanceof FormData
  );
}

class Normalised implements NormalisedRequest {
  private built: Headers | undefined;
  readonly headersGiven: boolean;
  constructor(
    readonly url: string,
    readonly method: string,
    private readonly given: HeadersInit | undefined,
    readonly signal: AbortSignal | undefined,
    readonly request: Request | undefined,
    readonly init: RequestInit | undefined,
    readonly body: BodyInit | undefined,
    readonly oneShot: boolean,
  ) {
    this.headersGiven = given !== undefined;
  }

  get headers(): Headers {
    return (this.built ??= new Headers(this.given));
  }
}

/**
 * Normalises fetch arguments. Bodies that cannot be replayed (streams, async iterables) are
 * buffered when the request may be retried, and sent as they are otherwise.
 */
export function normaliseRequest(
  input: RequestInfo | URL,
  init: RequestInit | undefined,
  mayRetry: (method: string, headers: Headers) => boolean,
): NormalisedRequest | Promise<NormalisedRequest> {
  const request = isRequest(input) ? input : undefined;
  const url = request !== undefined ? request.url : input instanceof URL ? input.href : String(input);
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  const given = init?.headers ?? request?.headers;
  let headers: Headers | undefined;
  const headersOf = (): Headers => (headers ??= new Headers(given));
  const signal = init?.signal ?? request?.signal ?? undefined;
  let rest: RequestInit | undefined;
  if (init !== undefined) {
    const { signal: _s, body: _b, ...others } = init;
    rest = others;
  }
  let body: BodyInit | undefined;
  let oneShot = false;
  const raw = init?.body ?? undefined;
  if (raw !== undefined && raw !== null) {
    if (isReplayable(raw)) {
      body = raw;
    } else if (mayRetry(method, headersOf())) {
      // Buffered once so every attempt can send it; the only asynchronous case (no promise otherwise).
      return new Response(raw as BodyInit)
        .arrayBuffer()
        .then((buffered) => new Normalised(url, method, headers ?? given, signal, request, rest, buffered, false));
    } else {
      body = raw as BodyInit;
      oneShot = true;
    }
  }
  return new Normalised(url, method, headers ?? given, signal, request, rest, body, oneShot);
}

/** True when `url` cannot be sent without a balancer to resolve it. */
export function isRelative(url: string): boolean {
  return !isAbsoluteUrl(url);
}
