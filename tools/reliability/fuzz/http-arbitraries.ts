import fc from 'fast-check';
import type { RawResponse } from '../harness/raw-http-server.js';

/** Retry-After values a server should never send (and a client must survive). */
export const badRetryAfter: string[] = [
  'abc',
  '-5',
  '-0',
  '1e309',
  '99999999999',
  '1.5',
  ' 3 ',
  'Infinity',
  'NaN',
  '',
  '0x10',
  '5, 6',
  '٣',
  'Wed, 99 Foo 2099 99:99:99 GMT',
  new Date(8.64e15).toUTCString(),
  'Thu, 01 Jan 1970 00:00:00 GMT',
  'Fri, 31 Dec 9999 23:59:59 GMT',
];

const statusLine = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(200, 204, 301, 400, 408, 429, 500, 502, 503, 504, 599).map((s) => `HTTP/1.1 ${s} X\r\n`),
  },
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 99, 600, 999, 1000, 99999).map((s) => `HTTP/1.1 ${s} Odd\r\n`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'HTTP/1.1 abc Bad\r\n',
      'HTTP/9.9 200 OK\r\n',
      'garbage\r\n',
      '\r\n',
      'HTTP/1.1 200\n',
      'HTTP/1.1  200  OK\r\n',
      'ICY 200 OK\r\n',
    ),
  },
);

const header = fc.oneof(
  fc.constantFrom(...badRetryAfter).map((v) => `Retry-After: ${v}\r\n`),
  fc.integer({ min: 1, max: 200_000 }).map((n) => `X-Big: ${'a'.repeat(n)}\r\n`),
  fc.integer({ min: 1, max: 300 }).map((n) => Array.from({ length: n }, (_, i) => `X-H${i}: v\r\n`).join('')),
  fc.constantFrom(
    'Content-Length: 10\r\nContent-Length: 20\r\n',
    'Content-Length: -1\r\n',
    'Content-Length: abc\r\n',
    'Transfer-Encoding: chunked\r\n',
    'Transfer-Encoding: gzip, chunked\r\n',
    'Content-Encoding: gzip\r\n',
    'Bad Header Name: x\r\n',
    'X-Nul: a\u0000b\r\n',
    'Set-Cookie: a=b\r\n',
    'Connection: close\r\n',
    'Connection: keep-alive\r\n',
    'Location: ht!tp://\u00ff\r\n',
    ': empty-name\r\n',
    'X-Folded: a\r\n b\r\n',
  ),
);

const body = fc.oneof(
  fc.constant({ text: '', length: 0 as number | undefined }),
  fc.string({ maxLength: 64 }).map((t) => ({ text: t, length: Buffer.byteLength(t) as number | undefined })),
  // Truncated: promises more bytes than it sends.
  fc
    .tuple(fc.string({ maxLength: 32 }), fc.integer({ min: 1, max: 1_000_000 }))
    .map(([t, extra]) => ({ text: t, length: (Buffer.byteLength(t) + extra) as number | undefined })),
  // No Content-Length at all (read until close), or bad chunked framing.
  fc.constantFrom(
    { text: 'until-close', length: undefined },
    { text: 'zz\r\nnot-hex\r\n', length: undefined },
    { text: '5\r\nab\r\n', length: undefined },
  ),
);

/** A random, usually malformed, HTTP response and how the server ends the connection. */
export const rawResponse: fc.Arbitrary<RawResponse> = fc
  .record({
    status: statusLine,
    headers: fc.array(header, { maxLength: 3 }),
    body,
    close: fc.constantFrom('end', 'destroy', 'hold') as fc.Arbitrary<RawResponse['close']>,
    holdMs: fc.integer({ min: 0, max: 30 }),
  })
  .map(({ status, headers, body: b, close, holdMs }) => {
    const head = `${status}${headers.join('')}${b.length === undefined ? '' : `Content-Length: ${b.length}\r\n`}\r\n`;
    return { bytes: Buffer.from(head + b.text, 'latin1'), close, holdMs };
  });
