import { runInNewContext } from 'node:vm';
import { waitFor } from '@breakwater/testkit';
import { testHttpServer } from '@breakwater/testkit/vitest';
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import { describe, expect, it } from 'vitest';
import { invisiblePolicy, observe, pair } from './test-support/transparency.js';
import { withResilience } from './index.js';

/** A server whose /stream sends a chunk every 20 ms and never ends; /slow never answers. */
async function streamingServer() {
  return testHttpServer((req, res) => {
    if (req.url === '/slow') return;
    if (req.url === '/401') {
      res.statusCode = 401;
      res.end();
      return;
    }
    if (req.url === '/stream') {
      res.write('a');
      const t = setInterval(() => res.write('a'), 20);
      res.on('close', () => clearInterval(t));
      return;
    }
    res.end('ok');
  });
}

/** Reads a streamed body until it ends or fails; resolves with how it finished. */
function drain(data: unknown): Promise<string> {
  if (typeof (data as ReadableStream).getReader === 'function') {
    const reader = (data as ReadableStream).getReader();
    const pump = (): Promise<string> =>
      reader.read().then(
        (r) => (r.done ? 'end' : pump()),
        (e: { code?: string; name?: string }) => `error ${e.code ?? e.name}`,
      );
    return pump();
  }
  const s = data as NodeJS.ReadableStream & { on(ev: string, fn: (e?: { code?: string }) => void): void };
  return new Promise((resolve) => {
    s.on('data', () => undefined);
    s.on('end', () => resolve('end'));
    s.on('error', (e) => resolve(`error ${e?.code}`));
    s.on('close', () => resolve('closed'));
  });
}

/** A hand-made AbortSignal: an EventTarget with `aborted`/`reason`, as polyfills build them. */
function handMadeController(): { signal: AbortSignal; abort(): void } {
  const target = new EventTarget() as EventTarget & {
    aborted: boolean;
    reason: unknown;
    onabort: null;
    throwIfAborted(): void;
  };
  target.aborted = false;
  target.reason = undefined;
  target.onabort = null;
  target.throwIfAborted = () => {
    if (target.aborted) throw target.reason;
  };
  return {
    signal: target as unknown as AbortSignal,
    abort() {
      target.aborted = true;
      target.reason = new Error('aborted');
      target.dispatchEvent(new Event('abort'));
    },
  };
}

/**
 * A minimal AbortSignal class built in another realm (own Object, Error, Set): `instanceof` fails for
 * all of it. (A class instance: axios deep-copies objects it considers plain.)
 */
const REALM_SIGNAL = `(() => {
  class RealmSignal {
    constructor() { this.aborted = false; this.reason = undefined; this.onabort = null; this.listeners = new Set(); }
    addEventListener(type, fn) { if (type === 'abort') this.listeners.add(fn); }
    removeEventListener(type, fn) { this.listeners.delete(fn); }
    throwIfAborted() { if (this.aborted) throw this.reason; }
  }
  const signal = new RealmSignal();
  return { signal, abort() { signal.aborted = true; signal.reason = new Error('aborted'); for (const fn of [...signal.listeners]) fn({ type: 'abort' }); } };
})()`;

describe('@breakwater/axios transparency: cancellation', () => {
  for (const adapter of ['http', 'fetch'] as const) {
    it(`${adapter}: aborting after a streamed response resolved still stops the stream (16.a)`, async () => {
      const s = await streamingServer();
      const { plain, wrapped } = pair({ baseURL: s.url, adapter, responseType: 'stream' });
      const outcomes: string[] = [];
      for (const api of [plain, wrapped]) {
        const c = new AbortController();
        const res = await api.get('/stream', { signal: c.signal });
        const done = drain(res.data);
        setTimeout(() => c.abort(), 30);
        outcomes.push(
          await Promise.race([done, new Promise<string>((r) => setTimeout(() => r('still streaming'), 1000))]),
        );
      }
      expect(outcomes[1]).toBe(outcomes[0]);
      expect(outcomes[0]).not.toBe('still streaming');
      await waitFor(() => s.aborted.length === 2, { what: 'server saw both streams aborted' });
    });
  }

  const foreign: Array<[string, () => { signal: AbortSignal; abort(): void }]> = [
    ['a hand-made EventTarget signal', handMadeController],
    [
      'a signal-like object from another realm (vm)',
      () => runInNewContext(REALM_SIGNAL) as { signal: AbortSignal; abort(): void },
    ],
  ];
  for (const [what, make] of foreign) {
    it(`accepts ${what}: aborts the request as plain axios does (16.b)`, async () => {
      const s = await streamingServer();
      const { plain, wrapped } = pair({ baseURL: s.url });
      const seen = [];
      for (const api of [plain, wrapped]) {
        const c = make();
        const p = api.get('/slow', { signal: c.signal });
        await waitFor(() => s.requests.length === seen.length + 1);
        c.abort();
        seen.push(
          await observe(
            Promise.race([p, new Promise((_r, j) => setTimeout(() => j(new Error('not aborted')), 1000))]),
            c.signal,
          ),
        );
      }
      expect(seen[1]).toEqual(seen[0]);
      expect(seen[0]).toMatchObject({
        isCancel: true,
        code: 'ERR_CANCELED',
        hasRequest: true,
        configSignalIsCallers: true,
      });
    });
  }

  it("a caller's abort in flight gives CanceledError with error.request and the caller's config (16.d)", async () => {
    const s = await streamingServer();
    const { plain, wrapped } = pair({ baseURL: s.url });
    const seen = [];
    for (const api of [plain, wrapped]) {
      const c = new AbortController();
      const p = api.get('/slow', { signal: c.signal });
      await waitFor(() => s.requests.length === seen.length + 1);
      c.abort();
      seen.push(await observe(p, c.signal));
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[1]).toMatchObject({
      name: 'CanceledError',
      hasRequest: true,
      configSignalIsCallers: true,
      configUrl: '/slow',
    });
  });

  it("401 refresh then instance.request(error.config): the replay has the caller's signal, cancellable (16.c)", async () => {
    const s = await streamingServer();
    const run = async (api: AxiosInstance): Promise<unknown> => {
      let refreshed = false;
      api.interceptors.response.use(undefined, async (error: AxiosError) => {
        if (error.response?.status !== 401 || refreshed) throw error;
        refreshed = true;
        return api.request({ ...error.config!, url: '/slow' });
      });
      const c = new AbortController();
      const before = s.requests.length;
      const p = api.get('/401', { signal: c.signal });
      await waitFor(() => s.requests.length === before + 2);
      c.abort();
      return observe(
        Promise.race([p, new Promise((_r, j) => setTimeout(() => j(new Error('replay not cancelled')), 1000))]),
        c.signal,
      );
    };
    const { plain, wrapped } = pair({ baseURL: s.url });
    const a = await run(plain);
    const b = await run(wrapped);
    expect(b).toEqual(a);
    expect(a).toMatchObject({ isCancel: true, configSignalIsCallers: true });
    await waitFor(() => s.aborted.length === 2);
  });
});

describe('@breakwater/axios: the wrapper stays on the instance it was given (16.e)', () => {
  it('wrapping the default instance leaves later axios.create() instances alone: 3 hits, not 9', async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const { retry, constantBackoff } = await import('@breakwater/core');
    const ejectDefault = withResilience(axios, { policy: retry({ maxAttempts: 3, backoff: constantBackoff(0) }) });
    try {
      const created = axios.create({ baseURL: s.url });
      await expect(created.get('/x')).rejects.toMatchObject({ response: { status: 503 } });
      expect(s.requests).toHaveLength(1);
      const ejectCreated = withResilience(created, { policy: retry({ maxAttempts: 3, backoff: constantBackoff(0) }) });
      await expect(created.get('/x')).rejects.toMatchObject({ response: { status: 503 } });
      expect(s.requests).toHaveLength(4);
      ejectCreated();
      await expect(axios.get(`${s.url}/x`)).rejects.toMatchObject({ response: { status: 503 } });
      expect(s.requests).toHaveLength(7);
    } finally {
      ejectDefault();
    }
  });

  it("a created instance's children (instance.create copies its adapter) stay unwrapped, alternating with the parent", async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const { retry, constantBackoff } = await import('@breakwater/core');
    const parent = axios.create({ baseURL: s.url });
    const eject = withResilience(parent, { policy: retry({ maxAttempts: 3, backoff: constantBackoff(0) }) });
    try {
      const child = (parent as AxiosInstance & { create(c?: object): AxiosInstance }).create({ baseURL: s.url });
      for (let i = 0; i < 2; i++) {
        const before = s.requests.length;
        await expect(child.get('/child')).rejects.toMatchObject({ response: { status: 503 } });
        expect(s.requests.length - before).toBe(1);
        await expect(parent.get('/parent')).rejects.toMatchObject({ response: { status: 503 } });
        expect(s.requests.length - before).toBe(4);
      }
    } finally {
      eject();
    }
  });

  it('requests stay wrapped with asynchronous interceptors and with interceptors that copy the config', async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const { retry, constantBackoff } = await import('@breakwater/core');
    for (const kind of ['copying', 'async'] as const) {
      const api = axios.create({ baseURL: s.url });
      // Registered before the wrapper: axios runs it after ours (interceptors run last-registered first).
      if (kind === 'copying') api.interceptors.request.use((c) => ({ ...c }), undefined, { synchronous: true });
      else api.interceptors.request.use(async (c) => Promise.resolve({ ...c }));
      const eject = withResilience(api, { policy: retry({ maxAttempts: 3, backoff: constantBackoff(0) }) });
      try {
        const before = s.requests.length;
        await expect(api.get('/x')).rejects.toMatchObject({ response: { status: 503 } });
        expect(s.requests.length - before, kind).toBe(3);
      } finally {
        eject();
      }
    }
  });

  it('wrapping the same instance twice is refused with ConfigError; after eject it can be wrapped again', () => {
    const api = axios.create();
    const eject = withResilience(api, { policy: invisiblePolicy() });
    expect(() => withResilience(api, { policy: invisiblePolicy() })).toThrow(
      expect.objectContaining({ code: 'BW_CONFIG', path: 'withResilience.instance' }) as Error,
    );
    eject();
    withResilience(api, { policy: invisiblePolicy() })();
  });
});
