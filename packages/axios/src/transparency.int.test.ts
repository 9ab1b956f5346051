import { Agent } from 'node:http';
import { testHttpServer } from '@breakwater/testkit/vitest';
import type { AxiosProgressEvent } from 'axios';
import { describe, expect, it, onTestFinished } from 'vitest';
import { both } from './test-support/transparency.js';

/**
 * The transparency suite: every request goes once through plain axios and once through an
 * instance wrapped with an invisible policy; the caller must not be able to tell them apart
 * (result, error shape, config handed back). Modelled on axios' own test/unit/adapters/http.js.
 */

async function server() {
  const s = await testHttpServer((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/json':
        res.setHeader('content-type', 'application/json');
        res.end('{"a":1}');
        return;
      case '/echo':
        res.setHeader('content-type', 'text/plain');
        res.end(`${req.method} ${body} ${req.headers['x-t'] ?? ''}`);
        return;
      case '/missing':
        res.statusCode = 404;
        res.end('no');
        return;
      case '/busy':
        res.statusCode = 503;
        res.end('busy');
        return;
      case '/redirect':
        res.writeHead(302, { location: '/json' });
        res.end();
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        res.end();
        return;
      case '/big':
        res.end('y'.repeat(4096));
        return;
      case '/socket':
        res.end(String(s.requests.at(-1)?.socket));
        return;
      default:
        res.end('ok');
    }
  });
  return s;
}

describe('@breakwater/axios transparency: same outcome as plain axios', () => {
  for (const adapter of ['http', 'fetch'] as const) {
    describe(`adapter '${adapter}'`, () => {
      it('JSON GET: data, status, headers, config', async () => {
        const s = await server();
        const [a, b] = await both({ baseURL: s.url, adapter }, (api) => ({ p: api.get('/json') }));
        expect(b).toEqual(a);
        expect(a).toMatchObject({ ok: true, data: { a: 1 }, configUrl: '/json' });
      });

      it('404 and 503: same AxiosError (code, message, status, request, config keys)', async () => {
        const s = await server();
        for (const path of ['/missing', '/busy']) {
          const [a, b] = await both({ baseURL: s.url, adapter }, (api) => ({ p: api.get(path) }));
          expect(b).toEqual(a);
          expect(a).toMatchObject({
            ok: false,
            code: path === '/busy' ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
            hasRequest: true,
          });
        }
      });

      it('redirects are followed the same way', async () => {
        const s = await server();
        const [a, b] = await both({ baseURL: s.url, adapter }, (api) => ({ p: api.get('/redirect') }));
        expect(b).toEqual(a);
        expect(a.data).toEqual({ a: 1 });
      });

      it('maxContentLength: same error', async () => {
        const s = await server();
        const [a, b] = await both({ baseURL: s.url, adapter, maxContentLength: 100 }, (api) => ({
          p: api.get('/big'),
        }));
        expect(b).toEqual(a);
        expect(a.ok).toBe(false);
      });

      it('transformRequest / transformResponse run once, same result', async () => {
        const s = await server();
        let runs = 0;
        const [a, b] = await both(
          {
            baseURL: s.url,
            adapter,
            transformRequest: [
              (d: unknown) => {
                runs++;
                return `<${String(d)}>`;
              },
            ],
            transformResponse: [(d: unknown) => `[${String(d)}]`],
          },
          (api) => ({ p: api.post('/echo', 'body', { headers: { 'x-t': 'h' } }) }),
        );
        expect(b).toEqual(a);
        expect(a.data).toBe('[POST <body> h]');
        expect(runs).toBe(2);
      });

      it('onDownloadProgress reports the same bytes', async () => {
        const s = await server();
        const loaded: number[][] = [];
        const [a, b] = await both({ baseURL: s.url, adapter }, (api) => {
          const mine: number[] = [];
          loaded.push(mine);
          return {
            p: api.get('/big', {
              onDownloadProgress: (e: AxiosProgressEvent) => {
                mine.push(e.loaded);
              },
            }),
          };
        });
        expect(b).toEqual(a);
        expect(loaded[0]!.at(-1)).toBe(4096);
        expect(loaded[1]!.at(-1)).toBe(4096);
      });

      it('signal aborted before sending: same CanceledError', async () => {
        const s = await server();
        const [a, b] = await both({ baseURL: s.url, adapter }, (api) => {
          const c = new AbortController();
          c.abort();
          return { p: api.get('/json', { signal: c.signal }), signal: c.signal };
        });
        expect(b).toEqual(a);
        expect(a).toMatchObject({ ok: false, isCancel: true, code: 'ERR_CANCELED', configSignalIsCallers: true });
        expect(s.requests).toHaveLength(0);
      });
    });
  }

  it('too many redirects: same error, same number of server hits', async () => {
    const s = await server();
    const [a, b] = await both({ baseURL: s.url, maxRedirects: 3 }, (api) => ({ p: api.get('/loop') }));
    expect(b).toEqual(a);
    expect(a.code).toBe('ERR_FR_TOO_MANY_REDIRECTS');
    expect(s.requests).toHaveLength(8);
  });

  it('maxRedirects: 0 gives the 302 as an error on both', async () => {
    const s = await server();
    const [a, b] = await both({ baseURL: s.url, maxRedirects: 0 }, (api) => ({ p: api.get('/redirect') }));
    expect(b).toEqual(a);
    expect(a.status).toBe(302);
  });

  it("the caller's agent is used (same keep-alive socket for successive requests)", async () => {
    const s = await server();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    onTestFinished(() => agent.destroy());
    const [a, b] = await both({ baseURL: s.url, httpAgent: agent }, (api) => ({ p: api.get('/socket') }));
    expect(a.ok && b.ok).toBe(true);
    expect(s.connections()).toBe(1);
  });

  it("response.config is the caller's config: no signal of ours when the caller gave none", async () => {
    const s = await server();
    const [a, b] = await both({ baseURL: s.url }, (api) => ({ p: api.get('/json') }));
    expect(b).toEqual(a);
    expect(a.configKeys).not.toContain('signal');
  });
});
