import { Agent } from 'node:http';
import { circuitBreaker, constantBackoff, consecutiveFailures, pipeline, retry } from '@breakwater/core';
import { waitFor } from '@breakwater/testkit';
import { testHttpServer } from '@breakwater/testkit/vitest';
import axios, { type AxiosError, type AxiosRequestConfig } from 'axios';
import { describe, expect, it, onTestFinished } from 'vitest';
import { withResilience } from './index.js';

/** A wrapped instance with retries and a breaker that opens after two failures. */
function wrapped(baseURL: string, name: string) {
  const breaker = circuitBreaker({ name, trip: consecutiveFailures(2), halfOpenAfterMs: 60_000 });
  onTestFinished(() => breaker.dispose());
  const api = axios.create({ baseURL });
  onTestFinished(
    withResilience(api, { policy: pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(0) }), breaker) }),
  );
  return { api, breaker };
}

describe("@breakwater/axios: client-side errors are the caller's (16.f)", () => {
  const cases: Array<[string, string, AxiosRequestConfig, string]> = [
    ['maxContentLength exceeded', '/big', { maxContentLength: 10 }, 'ERR_BAD_RESPONSE'],
    [
      'maxContentLength exceeded (arraybuffer)',
      '/big',
      { maxContentLength: 10, responseType: 'arraybuffer' },
      'ERR_BAD_RESPONSE',
    ],
    ['too many redirects', '/loop', { maxRedirects: 2 }, 'ERR_FR_TOO_MANY_REDIRECTS'],
    [
      'maxBodyLength exceeded (redirects on)',
      '/upload',
      { method: 'put', data: 'x'.repeat(100), maxBodyLength: 10 },
      'ERR_BAD_REQUEST',
    ],
  ];
  for (const [what, path, config, code] of cases) {
    it(`${what}: not retried, not counted; a healthy call still passes`, async () => {
      const s = await testHttpServer((req, res) => {
        if (req.url === '/loop') {
          res.writeHead(302, { location: '/loop' });
          res.end();
          return;
        }
        if (req.url === '/big') {
          res.end('x'.repeat(1000));
          return;
        }
        res.end('ok');
      });
      const { api, breaker } = wrapped(s.url, `axios-caller-${code}-${path}`);
      for (let i = 0; i < 3; i++) {
        const err = await api.request({ url: path, ...config }).catch((e: unknown) => e as AxiosError);
        expect(axios.isAxiosError(err)).toBe(true);
        expect((err as AxiosError).code).toBe(code);
      }
      const hitsPerCall = path === '/loop' ? 3 : path === '/upload' ? 0 : 1;
      expect(s.requests.length).toBe(3 * hitsPerCall);
      expect(breaker.state).toBe('closed');
      expect(breaker.metrics().failures).toBe(0);
      expect((await api.get('/healthy')).data).toBe('ok');
    });
  }

  it('unsupported protocol (ERR_BAD_REQUEST): rejected once, breaker untouched', async () => {
    const { api, breaker } = wrapped('http://127.0.0.1:1', 'axios-caller-protocol');
    let adapterCalls = 0;
    api.interceptors.request.use((c) => {
      adapterCalls++;
      return c;
    });
    for (let i = 0; i < 3; i++)
      await expect(api.get('gopher://127.0.0.1/x')).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(adapterCalls).toBe(3);
    expect(breaker.metrics().failures).toBe(0);
    expect(breaker.state).toBe('closed');
  });

  it('a 5xx is still retried and counted (the rule is about errors without a status)', async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const { api, breaker } = wrapped(s.url, 'axios-caller-5xx');
    // Two failures open the breaker: the third attempt is refused without reaching the server.
    await expect(api.get('/x')).rejects.toMatchObject({ code: 'BW_CIRCUIT_OPEN' });
    expect(s.requests).toHaveLength(2);
    expect(breaker.state).toBe('open');
  });
});

describe('@breakwater/axios: retry + responseType stream + 5xx (16.g)', () => {
  it("releases the connections of rejected attempts; only the caller's error holds one", async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 503;
      res.write('busy'); /* body never ends */
    });
    const agent = new Agent({ keepAlive: false });
    onTestFinished(() => agent.destroy());
    const api = axios.create({ baseURL: s.url, httpAgent: agent, responseType: 'stream' });
    onTestFinished(withResilience(api, { policy: retry({ maxAttempts: 3, backoff: constantBackoff(0) }) }));
    const err = (await api.get('/x').catch((e: unknown) => e)) as AxiosError<
      NodeJS.ReadableStream & { destroy(): void }
    >;
    expect(err.response?.status).toBe(503);
    expect(s.requests).toHaveLength(3);
    // The two superseded attempts are closed; the last one is the caller's to read or destroy.
    await waitFor(() => s.openConnections() === 1, { what: 'superseded attempts closed' });
    err.response!.data.destroy();
    await waitFor(() => s.openConnections() === 0, { what: 'every connection closed' });
  });
});
