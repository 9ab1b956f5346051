import { constantBackoff, pipeline, retry, timeout } from '@breakwater/core';
import { testHttpServer } from '@breakwater/testkit/vitest';
import { Agent, request, type Dispatcher } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { breakwaterInterceptor } from '../index.js';
import { parseRawHeaders } from './raw-handlers.js';

interface Seen {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  trailers: Record<string, unknown>;
}

/** Drops what differs between two responses of the same script (the date, the connection's keep-alive). */
function stable(h: Record<string, unknown>): Record<string, unknown> {
  const { date: _d, 'keep-alive': _k, connection: _c, ...rest } = h;
  return rest;
}

/** Through `request()`: a legacy handler, wrapped by compose (the interceptor's raw path). */
async function viaRequest(url: string, d: Dispatcher): Promise<Seen> {
  const r = await request(url, { dispatcher: d });
  const body = await r.body.text();
  return { status: r.statusCode, headers: stable(r.headers), body, trailers: { ...r.trailers } };
}

/** Through a handler with only the controller interface (the interceptor's parsed path). */
function viaControllerHandler(url: string, d: Dispatcher): Promise<Seen> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: Record<string, unknown> = {};
    d.dispatch(
      { origin: u.origin, path: u.pathname, method: 'GET' },
      {
        onRequestStart: () => undefined,
        onResponseStart: (_c, s, h) => {
          status = s;
          headers = stable(h as Record<string, unknown>);
        },
        onResponseData: (_c, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: (_c, trailers) =>
          resolve({ status, headers, body: Buffer.concat(chunks).toString(), trailers: { ...trailers } }),
        onResponseError: (_c, e) => reject(e),
      },
    );
  });
}

/** Every response shape the test covers: duplicate headers, a held failure, a retried one, trailers. */
async function scriptServer() {
  let n = 0;
  return testHttpServer((req, res) => {
    n++;
    if (req.url === '/dup') {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('x-list', ['p', 'q']);
      res.setHeader('content-disposition', 'attachment; filename="r\u00e9sum\u00e9.txt"');
      res.end('dup');
    } else if (req.url === '/flaky') {
      res.statusCode = n % 2 === 1 ? 503 : 200;
      if (res.statusCode === 503) res.setHeader('retry-after', '0');
      res.end(`flaky ${res.statusCode}`);
    } else if (req.url === '/down') {
      res.statusCode = 503;
      res.setHeader('x-down', 'yes');
      res.end('down');
    } else {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-sum' });
      res.write('chunk-1 ');
      res.addTrailers({ 'x-sum': '42' });
      res.end('chunk-2');
    }
  });
}

describe('interceptor: raw heads to legacy handlers vs parsed heads to controller-interface handlers', () => {
  it('the same script gives the same status, headers, body and trailers through both, and as without the interceptor', async () => {
    const plain = new Agent();
    const agent = new Agent();
    onTestFinished(async () => {
      await plain.close();
      await agent.close();
    });
    const policy = pipeline(retry({ maxAttempts: 2, backoff: constantBackoff(0) }), timeout(5000));
    const d = agent.compose(breakwaterInterceptor({ policyFor: () => policy }));
    for (const path of ['/dup', '/flaky', '/down', '/trailers']) {
      // Fresh servers so the scripted sequence (/flaky: 503 then 200) starts over for each side.
      const results: Seen[] = [];
      for (const run of [
        (url: string) => viaRequest(url, d),
        (url: string) => viaControllerHandler(url, d),
        (url: string) => viaRequest(url, plain),
      ]) {
        const s = await scriptServer();
        results.push(await run(`${s.url}${path}`));
      }
      const [raw, parsed, without] = results;
      expect(raw, path).toEqual(parsed);
      if (path !== '/flaky' && path !== '/down') expect(raw, path).toEqual(without);
    }
  });

  it('parseRawHeaders parses as undici does: lower-cased names, repeats as arrays, latin1 content-disposition', () => {
    const raw = [
      Buffer.from('Set-Cookie'),
      Buffer.from('a=1'),
      Buffer.from('set-cookie'),
      Buffer.from('b=2'),
      Buffer.from('X-One'),
      Buffer.from('1'),
    ];
    expect(parseRawHeaders(raw)).toEqual({ 'set-cookie': ['a=1', 'b=2'], 'x-one': '1' });
    expect(parseRawHeaders(null)).toEqual({});
  });
});
