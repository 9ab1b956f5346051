import { type AttemptContext, type Endpoint } from '@breakwater/core';
import {
  AttemptAbort,
  AttemptSignalLike,
  attemptAbortState,
  isAbortSignalLike,
  isAbsoluteUrl,
  isRetryableRequest,
  joinUrl,
  resilientCall,
  resolveStickyKey,
  resolveTracePropagator,
  traceHeaders,
  type ResolvedHttpAdapterOptions,
} from '@breakwater/core/internal';
import {
  AxiosHeaders,
  CanceledError,
  getAdapter,
  isAxiosError,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { AgentPools } from './agents.js';
import { copyConfig } from './config-copy.js';
import { isCallerError, isCancel, isStreamData, onDataDone, releaseData } from './outcomes.js';

function isStreamBody(data: unknown): boolean {
  return typeof data === 'object' && data !== null && typeof (data as { pipe?: unknown }).pipe === 'function';
}

/** The URL axios would request, before our balancer resolves it (mirrors axios' buildFullPath). */
function fullPath(config: InternalAxiosRequestConfig): string {
  const url = config.url ?? '';
  const base = config.baseURL;
  return base !== undefined && base !== '' && (!isAbsoluteUrl(url) || config.allowAbsoluteUrls === false)
    ? joinUrl(base, url)
    : url;
}

/**
 * The request as instrumentations (`@breakwater/otel`) read it from `ctx.context.http`; headers
 * are materialised only when read. A class: an object literal with a getter costs more per call.
 */
class HttpDescription {
  constructor(
    readonly method: string,
    readonly url: string,
    private readonly config: InternalAxiosRequestConfig,
  ) {}
  get headers(): Record<string, string> {
    return (this.config.headers as AxiosHeaders).toJSON(true) as Record<string, string>;
  }
}

/** Hands the caller its own config back (not the per-attempt copy with our signal, URL and agent). */
function restoreConfig(x: unknown, config: InternalAxiosRequestConfig): void {
  if (typeof x !== 'object' || x === null) return;
  const r = x as { config?: unknown; response?: { config?: unknown } };
  if ('config' in r) r.config = config;
  if (typeof r.response === 'object' && r.response !== null && 'config' in r.response) r.response.config = config;
}

/** axios' adapter registered as `name` when it is a plain function, else undefined. */
function staticAdapter(name: string): AxiosAdapter | undefined {
  try {
    return getAdapter(name);
  } catch {
    return undefined;
  }
}

/** Releases a response that will not reach the caller (a superseded attempt's stream). */
const discardResponse = (response: AxiosResponse): void => releaseData(response.data);

/**
 * One logical request across its attempts: what they share, each attempt's send, and how the
 * call settles for the caller. Why one object with settle handlers rather than an async function
 * and a closure per step: it runs once per request (`bench:adapters`).
 */
class AxiosCall {
  /** The running attempt's transport promise (its CanceledError is what a caller's abort produces). */
  inflight: Promise<unknown> | undefined = undefined;
  /** The `request` of the latest attempt, for errors we build ourselves. */
  request: unknown = undefined;
  /** A rejected attempt whose response body is still a stream: destroyed once it is superseded. */
  streamed: unknown = undefined;

  constructor(
    private readonly o: ResolvedHttpAdapterOptions,
    private readonly pools: AgentPools | undefined,
    private readonly base: AxiosAdapter,
    private readonly config: InternalAxiosRequestConfig,
    /** The caller's signal (any object with the AbortSignal interface). */
    private readonly caller: AbortSignal | undefined,
    /** The request's URL when a balancer resolves it, else undefined. */
    private readonly relative: string | undefined,
  ) {}

  /** Destroys the stream of a superseded rejected attempt, unless it is `keep` (what the caller gets). */
  releaseStreamed(keep?: unknown): void {
    const e = this.streamed;
    if (e === undefined || e === keep) return;
    this.streamed = undefined;
    releaseData((e as { response?: { data?: unknown } }).response?.data);
  }

  /** One attempt through the instance's own adapter. Not async; a synchronous throw rejects the attempt. */
  readonly send = (
    endpoint: Endpoint | undefined,
    ctx: AttemptContext,
    outer: AttemptContext,
  ): Promise<AxiosResponse> => {
    const propagate = resolveTracePropagator(this.o.propagate);
    // The propagator loads once (a dynamic import): the first requests wait for it.
    if (propagate instanceof Promise) return propagate.then(() => this.send(endpoint, ctx, outer));
    this.releaseStreamed();
    const config = this.config;
    const caller = this.caller;
    const abortable = (ctx as { abortable?: boolean }).abortable !== false;
    let link: AttemptAbort | undefined;
    let signal: unknown = config.signal;
    if (abortable) {
      if (caller === undefined) {
        // Only a timeout or hedge can abort this attempt: a signal-like object backed by the
        // attempt's context (axios duck-types signals) saves an AbortController per attempt.
        signal = new AttemptSignalLike(ctx);
      } else if (ctx.signal !== caller) {
        // The attempt's signal is a fork (timeout, hedge) that is unlinked from the caller's when
        // the attempt settles — at the headers of a streamed response. Link the caller's signal
        // for as long as axios listens (until the stream ends), as plain axios does.
        link = new AttemptAbort(caller, ctx.signal);
        signal = link.signal;
      } else {
        signal = caller;
      }
    }
    const attempt = copyConfig(config);
    attempt.signal = signal as AbortSignal;
    if (endpoint !== undefined && this.relative !== undefined) {
      attempt.url = joinUrl(endpoint.url, this.relative);
      attempt.baseURL = undefined;
      const agent = this.pools?.get(endpoint);
      if (agent !== undefined) {
        if (attempt.url.startsWith('https:')) attempt.httpsAgent = agent;
        else attempt.httpAgent = agent;
      }
    }
    const trace = traceHeaders(propagate, outer);
    if (trace !== undefined) {
      const headers = new AxiosHeaders(config.headers);
      for (const k in trace) headers.set(k, trace[k]!);
      attempt.headers = headers;
    }
    let p: Promise<AxiosResponse>;
    try {
      p = this.base(attempt);
    } catch (e) {
      link?.release();
      throw e;
    }
    this.inflight = p;
    return p.then(
      (res) => {
        this.request = res.request;
        if (link !== undefined) res.data = onDataDone(res.data, () => link.release());
        return res;
      },
      (e: unknown) => {
        link?.release();
        if (isAxiosError(e)) {
          this.request = e.request;
          if (isStreamData(e.response?.data)) this.streamed = e;
        }
        // Our deadline cancelled the request: report the deadline, not axios' CanceledError.
        if (abortable && caller?.aborted !== true && isCancel(e)) {
          const own = attemptAbortState(ctx);
          if (own.aborted) throw own.reason;
        }
        throw e;
      },
    );
  };

  resolved(res: AxiosResponse): AxiosResponse {
    this.releaseStreamed();
    restoreConfig(res, this.config);
    return res;
  }

  rejected(e: unknown): Promise<never> {
    const caller = this.caller;
    if (caller?.aborted === true && (e === caller.reason || isCancel(e))) {
      // Plain axios rejects a caller's abort with its CanceledError carrying the request; the
      // policy's race gives the signal's reason first: take the attempt's own cancel instead.
      const inflight = this.inflight ?? Promise.resolve();
      return inflight.then(
        () => this.fail(new CanceledError(undefined, this.config, this.request)),
        (x: unknown) => this.fail(isCancel(x) ? x : new CanceledError(undefined, this.config, this.request)),
      );
    }
    return this.fail(e);
  }

  private fail(err: unknown): never {
    this.releaseStreamed(err);
    restoreConfig(err, this.config);
    throw err;
  }
}

/**
 * The adapter {@link withResilience} installs: runs a marked request through the policy and
 * balancer, one call of the instance's original adapter per attempt.
 */
export function resilientAdapter(
  o: ResolvedHttpAdapterOptions,
  pools: AgentPools | undefined,
  originalAdapters: unknown,
  owns: (config: InternalAxiosRequestConfig) => boolean,
  isActive: () => boolean,
): AxiosAdapter {
  // A cancel (CancelToken, the caller's signal) and the caller's own limits are never the upstream's fault.
  const isFailure = (x: unknown): boolean => !isCancel(x) && !isCallerError(x) && o.isFailure(x);

  // The instance's adapter, resolved once when it cannot depend on the request: a function of the
  // caller's, or (the default list on Node) axios' http adapter. Others (fetch) resolve per request.
  const httpAdapter = staticAdapter('http');
  let resolved = typeof originalAdapters === 'function' ? (originalAdapters as AxiosAdapter) : undefined;
  return (config) => {
    let base = resolved;
    if (base === undefined) {
      base = getAdapter(originalAdapters as Parameters<typeof getAdapter>[0], config);
      if (base === httpAdapter) resolved = base;
    }
    const per = config.breakwater;
    if (!owns(config) || !isActive() || per?.skip === true) return base(config);
    const method = (config.method ?? 'get').toUpperCase();
    const url = fullPath(config);
    const relative = isAbsoluteUrl(url) ? undefined : url;
    const balanced = o.balancer !== undefined && relative !== undefined;
    const retryable =
      !isStreamBody(config.data) &&
      isRetryableRequest(method, config.headers, per?.retryNonIdempotent ?? o.retryNonIdempotent);
    const key =
      per?.key ??
      (o.stickyKey === undefined
        ? undefined
        : resolveStickyKey(o.stickyKey, { method, url: config.url ?? '', headers: config.headers }));
    // Any object with the AbortSignal interface: a polyfill's or another realm's signal counts too.
    const caller = isAbortSignalLike(config.signal) ? config.signal : undefined;
    const call = new AxiosCall(o, pools, base, config, caller, relative);
    return resilientCall<AxiosResponse>({
      policy: o.policy,
      balancer: balanced ? o.balancer : undefined,
      retryable,
      isFailure,
      signal: caller,
      key,
      maxRetryAfterMs: o.maxRetryAfterMs,
      // What instrumentations (`@breakwater/otel`) read; headers only materialised when read.
      context: { http: new HttpDescription(method, url, config) },
      send: call.send,
      discard: discardResponse,
      after: call,
    });
  };
}
