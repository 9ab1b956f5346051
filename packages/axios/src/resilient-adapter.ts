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

/** What one logical request remembers across its attempts. */
class CallState {
  /** The running attempt's transport promise (its CanceledError is what a caller's abort produces). */
  inflight: Promise<unknown> | undefined;
  /** The `request` of the latest attempt, for errors we build ourselves. */
  request: unknown;
  /** A rejected attempt whose response body is still a stream: destroyed once it is superseded. */
  streamed: unknown;

  /** Destroys the stream of a superseded rejected attempt, unless it is `keep` (what the caller gets). */
  releaseStreamed(keep?: unknown): void {
    const e = this.streamed;
    if (e === undefined || e === keep) return;
    this.streamed = undefined;
    releaseData((e as { response?: { data?: unknown } }).response?.data);
  }
}

/** Hands the caller its own config back (not the per-attempt copy with our signal, URL and agent). */
function restoreConfig(x: unknown, config: InternalAxiosRequestConfig): void {
  if (typeof x !== 'object' || x === null) return;
  const r = x as { config?: unknown; response?: { config?: unknown } };
  if ('config' in r) r.config = config;
  if (typeof r.response === 'object' && r.response !== null && 'config' in r.response) r.response.config = config;
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

  const send = async (
    state: CallState,
    base: AxiosAdapter,
    config: InternalAxiosRequestConfig,
    caller: AbortSignal | undefined,
    relative: string | undefined,
    endpoint: Endpoint | undefined,
    ctx: AttemptContext,
    outer: AttemptContext,
  ): Promise<AxiosResponse> => {
    state.releaseStreamed();
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
    if (endpoint !== undefined && relative !== undefined) {
      attempt.url = joinUrl(endpoint.url, relative);
      attempt.baseURL = undefined;
      const agent = pools?.get(endpoint);
      if (agent !== undefined) {
        if (attempt.url.startsWith('https:')) attempt.httpsAgent = agent;
        else attempt.httpAgent = agent;
      }
    }
    let propagate = resolveTracePropagator(o.propagate);
    if (propagate instanceof Promise) propagate = await propagate;
    const trace = traceHeaders(propagate, outer);
    if (trace !== undefined) {
      const headers = new AxiosHeaders(config.headers);
      for (const k in trace) headers.set(k, trace[k]!);
      attempt.headers = headers;
    }
    const p = base(attempt);
    state.inflight = p;
    let res: AxiosResponse;
    try {
      res = await p;
    } catch (e) {
      link?.release();
      if (isAxiosError(e)) {
        state.request = e.request;
        if (isStreamData(e.response?.data)) state.streamed = e;
      }
      // Our deadline cancelled the request: report the deadline, not axios' CanceledError.
      if (abortable && caller?.aborted !== true && isCancel(e)) {
        const own = attemptAbortState(ctx);
        if (own.aborted) throw own.reason;
      }
      throw e;
    }
    state.request = res.request;
    if (link !== undefined) res.data = onDataDone(res.data, () => link.release());
    return res;
  };

  return (config) => {
    const base = getAdapter(originalAdapters as Parameters<typeof getAdapter>[0], config);
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
    const state = new CallState();
    const call = resilientCall<AxiosResponse>({
      policy: o.policy,
      balancer: balanced ? o.balancer : undefined,
      retryable,
      isFailure,
      signal: caller,
      key,
      maxRetryAfterMs: o.maxRetryAfterMs,
      // What instrumentations (`@breakwater/otel`) read; headers only materialised when read.
      context: { http: new HttpDescription(method, url, config) },
      send: (endpoint, ctx, outer) => send(state, base, config, caller, relative, endpoint, ctx, outer),
      discard: (response) => releaseData(response.data),
    });
    return call.then(
      (res) => {
        state.releaseStreamed();
        restoreConfig(res, config);
        return res;
      },
      async (e: unknown) => {
        let err = e;
        if (caller?.aborted === true && (e === caller.reason || isCancel(e))) {
          // Plain axios rejects a caller's abort with its CanceledError carrying the request; the
          // policy's race gives the signal's reason first: take the attempt's own cancel instead.
          const settled = await state.inflight?.then(
            () => undefined,
            (x: unknown) => x,
          );
          err = isCancel(settled) ? settled : new CanceledError(undefined, config, state.request);
        }
        state.releaseStreamed(err);
        restoreConfig(err, config);
        throw err;
      },
    );
  };
}
