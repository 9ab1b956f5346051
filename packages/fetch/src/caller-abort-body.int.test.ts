import { getEventListeners } from 'node:events';
import { randomBytes } from 'node:crypto';
import { constantBackoff, hedge, pipeline, retry, timeout, type Policy } from '@breakwater/core';
import { waitFor } from '@breakwater/testkit';
import { testHttpServer } from '@breakwater/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { createFetch } from './index.js';
import { balancedFetch } from './test-support/balanced-fetch.js';

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

function entries(h: Headers): string[][] {
  const out: string[][] = [];
  h.forEach((v, k) => out.push([k, v]));
  return out;
}

/** Resolves with how a body read ended, or 'pending' when it has not ended within `ms`. */
function settleWithin(
  p: Promise<unknown>,
  ms: number,
): Promise<{ state: 'resolved' | 'rejected' | 'pending'; value?: unknown }> {
  return Promise.race([
    p.then(
      (value) => ({ state: 'resolved' as const, value }),
      (value: unknown) => ({ state: 'rejected' as const, value }),
    ),
    new Promise<{ state: 'pending' }>((r) => setTimeout(() => r({ state: 'pending' }), ms)),
  ]);
}

/** Policies whose attempts run on a fork of the caller's context (their own abort signal). */
const forkingPolicies: Array<[string, () => Policy]> = [
  [
    'pipeline(retry(), timeout(5000))',
    () => pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(0) }), timeout(5000)),
  ],
  ['hedge({ delayMs: 5000 })', () => hedge({ delayMs: 5000 })],
];

describe("@breakwater/fetch: the caller's AbortSignal still aborts the body after the call resolved", () => {
  it.each(forkingPolicies)(
    '%s: aborting after the headers rejects the body read and closes the socket',
    async (_name, policy) => {
      // Headers and a first chunk, then the server holds the body open.
      const s = await testHttpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
      });
      const f = createFetch({ policy: policy() });
      const ac = new AbortController();
      const res = await f(`${s.url}/slow`, { signal: ac.signal });
      expect(res.status).toBe(200);
      const read = res.text();
      const reason = new Error('caller gave up');
      setTimeout(() => ac.abort(reason), 20);
      const outcome = await settleWithin(read, 1000);
      expect(outcome).toEqual({ state: 'rejected', value: reason });
      await waitFor(() => s.aborted.length === 1, { what: 'the server to see the client go away' });
      expect(abortListeners(ac.signal)).toBe(0);
    },
  );

  it('a plain abort() rejects the body read with an AbortError, as plain fetch does', async () => {
    const s = await testHttpServer((_req, res) => {
      res.writeHead(200);
      res.write('x');
    });
    const ac = new AbortController();
    const f = createFetch({ policy: timeout(5000) });
    const res = await f(`${s.url}/ours`, { signal: ac.signal });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('x');
    const next = reader.read();
    ac.abort();
    const outcome = await settleWithin(next, 1000);
    expect(outcome.state).toBe('rejected');
    expect((outcome.value as Error).name).toBe('AbortError');
    await waitFor(() => s.aborted.some((r) => r.url === '/ours'), { what: 'the server to see the socket closed' });
  });

  it("through a balancer: the endpoint's socket closes when the caller aborts mid-body", async () => {
    const s = await testHttpServer((_req, res) => {
      res.writeHead(200);
      res.write('x');
    });
    const f = balancedFetch(s.url, timeout(5000));
    const ac = new AbortController();
    const res = await f('/balanced', { signal: ac.signal });
    const read = res.arrayBuffer();
    setTimeout(() => ac.abort(new Error('stop')), 20);
    expect((await settleWithin(read, 1000)).state).toBe('rejected');
    await waitFor(() => s.aborted.length === 1, { what: 'the endpoint to see the socket closed' });
  });

  it('without an abort the body, status, headers, url, redirected and type are what plain fetch gives', async () => {
    const binary = randomBytes(300_000); // several chunks
    const s = await testHttpServer((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { location: '/bin' });
        res.end();
        return;
      }
      if (req.url === '/bin') {
        res.writeHead(201, 'Made It', {
          'content-type': 'application/octet-stream',
          'x-extra': 'a',
          'set-cookie': ['a=1', 'b=2'],
        });
        res.end(binary);
        return;
      }
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('héllo wörld');
    });
    const f = createFetch({ policy: pipeline(retry(), timeout(5000)) });
    const signal = new AbortController().signal;
    // Plain fetch gets a signal of its own: undici drops its listeners only when its Request is collected.
    const plainSignal = new AbortController().signal;
    for (const path of ['/old', '/bin', '/text']) {
      const [ours, plain] = await Promise.all([
        f(`${s.url}${path}`, { signal }),
        fetch(`${s.url}${path}`, { signal: plainSignal }),
      ]);
      expect(ours).toBeInstanceOf(Response);
      expect([ours.status, ours.statusText, ours.ok, ours.url, ours.redirected, ours.type]).toEqual([
        plain.status,
        plain.statusText,
        plain.ok,
        plain.url,
        plain.redirected,
        plain.type,
      ]);
      expect(entries(ours.headers)).toEqual(entries(plain.headers));
      expect(ours.headers.getSetCookie()).toEqual(plain.headers.getSetCookie());
      const copy = ours.clone();
      expect([copy.url, copy.redirected, copy.type]).toEqual([plain.url, plain.redirected, plain.type]);
      const [a, b, c] = await Promise.all([ours.arrayBuffer(), plain.arrayBuffer(), copy.arrayBuffer()]);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
      expect(Buffer.from(c).equals(Buffer.from(b))).toBe(true);
      expect(ours.bodyUsed).toBe(true);
    }
    const redirected = await f(`${s.url}/old`, { signal });
    expect([redirected.redirected, redirected.url, redirected.status]).toEqual([true, `${s.url}/bin`, 201]);
    expect(Buffer.from(await redirected.arrayBuffer()).equals(binary)).toBe(true);
    expect(await (await f(`${s.url}/text`, { signal })).text()).toBe('héllo wörld');
    expect(abortListeners(signal)).toBe(0);
  });

  it('the Response stays the one fetch returned; clones and res.body reads keep the link until all are done', async () => {
    const s = await testHttpServer((req, res) => {
      res.end(`body ${req.url}`);
    });
    const f = createFetch({ policy: timeout(5000) });
    const ac = new AbortController();

    const res = await f(`${s.url}/a`, { signal: ac.signal });
    expect(res.constructor).toBe(Response);
    const copy = res.clone();
    expect(await res.text()).toBe('body /a');
    expect(abortListeners(ac.signal)).toBe(1); // the clone is still unread
    expect(await copy.json().catch((e: unknown) => (e as Error).name)).toBe('SyntaxError');
    expect(abortListeners(ac.signal)).toBe(0);

    // Looking at res.body first, then consuming with text(), as many callers do.
    const res2 = await f(`${s.url}/b`, { signal: ac.signal });
    expect(res2.body).not.toBeNull();
    expect(res2.body).toBe(res2.body);
    expect(await res2.text()).toBe('body /b');
    expect(res2.bodyUsed).toBe(true);
    await expect(res2.text()).rejects.toThrow(TypeError);
    expect(abortListeners(ac.signal)).toBe(0);

    // Streaming through res.body.
    const res3 = await f(`${s.url}/c`, { signal: ac.signal });
    const chunks: Uint8Array[] = [];
    const reader = res3.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    expect(Buffer.concat(chunks).toString()).toBe('body /c');
    expect(res3.bodyUsed).toBe(true);
    expect(abortListeners(ac.signal)).toBe(0);
  });

  it(
    '10k sequential calls sharing one caller signal leave its listeners at baseline',
    { timeout: 120_000 },
    async () => {
      const s = await testHttpServer((req, res) => {
        res.end(`body ${req.url}`);
      });
      const f = createFetch({ policy: pipeline(retry(), timeout(5000)) });
      const ac = new AbortController();
      ac.signal.addEventListener('abort', () => undefined); // the caller's own listener: the baseline
      const baseline = abortListeners(ac.signal);
      for (let i = 0; i < 10_000; i++) {
        const res = await f(`${s.url}/${i % 10}`, { signal: ac.signal });
        expect(await res.text()).toBe(`body /${i % 10}`);
      }
      expect(abortListeners(ac.signal)).toBe(baseline);

      // While bodies are unread they stay linked to the signal, through a single listener.
      const open = await Promise.all(Array.from({ length: 50 }, (_, i) => f(`${s.url}/${i}`, { signal: ac.signal })));
      expect(abortListeners(ac.signal)).toBe(baseline + 1);
      await Promise.all(open.map((r) => r.text()));
      expect(abortListeners(ac.signal)).toBe(baseline);
    },
  );

  it('a body cancelled by the caller releases the listener and the socket', async () => {
    const s = await testHttpServer((_req, res) => {
      res.writeHead(200);
      res.write('first chunk');
    });
    const f = createFetch({ policy: timeout(5000) });
    const ac = new AbortController();
    const res = await f(`${s.url}/cancel`, { signal: ac.signal });
    expect(abortListeners(ac.signal)).toBe(1);
    await res.body!.cancel();
    expect(abortListeners(ac.signal)).toBe(0);
    await waitFor(() => s.aborted.length === 1, { what: 'the server to see the socket closed' });
    ac.abort(); // nothing left to abort; must not throw
  });

  it('responses without a body (HEAD, 204) keep no listener; a failed request keeps none either', async () => {
    const s = await testHttpServer((req, res) => {
      res.statusCode = req.url === '/none' ? 204 : 200;
      res.end(req.method === 'HEAD' ? undefined : 'x');
    });
    const f = createFetch({ policy: timeout(5000) });
    const ac = new AbortController();
    const head = await f(`${s.url}/h`, { method: 'HEAD', signal: ac.signal });
    expect([head.status, head.body]).toEqual([200, null]);
    const none = await f(`${s.url}/none`, { signal: ac.signal });
    expect([none.status, none.body]).toEqual([204, null]);
    expect(abortListeners(ac.signal)).toBe(0);
    await s.close();
    await expect(f(`${s.url}/gone`, { signal: ac.signal })).rejects.toThrow();
    expect(abortListeners(ac.signal)).toBe(0);
  });

  it('retried 503s (discarded bodies) release their links; the returned body keeps one until read', async () => {
    const s = await testHttpServer((_req, res, _b, seen) => {
      if (s.requests.indexOf(seen) < 2) {
        res.statusCode = 503;
        res.end('busy');
      } else res.end('fine');
    });
    const f = createFetch({ policy: pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(0) }), timeout(5000)) });
    const ac = new AbortController();
    const res = await f(`${s.url}/r`, { signal: ac.signal });
    expect(res.status).toBe(200);
    expect(s.requests).toHaveLength(3);
    expect(abortListeners(ac.signal)).toBe(1);
    expect(await res.text()).toBe('fine');
    expect(abortListeners(ac.signal)).toBe(0);
  });
});
