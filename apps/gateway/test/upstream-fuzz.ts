import fc from 'fast-check';

const latin1 = (max: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: max }).map((a) => String.fromCharCode(...a));
const utf8ish = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('eu-1\r\nset-cookie: pwned=1', '東京-1', 'eu', 'us', '', '\u0000', 'x'.repeat(300)),
  latin1(30),
);

/** tRPC response payloads with hostile fields (data, error shape, httpStatus). */
const trpcBody: fc.Arbitrary<string> = fc.oneof(
  fc
    .record({ replica: utf8ish, region: utf8ish, n: fc.jsonValue({ maxDepth: 1 }) })
    .map((data) => JSON.stringify({ result: { data } })),
  fc.jsonValue({ maxDepth: 3 }).map((data) => JSON.stringify({ result: { data } })),
  fc
    .record({
      message: utf8ish,
      code: fc.oneof(fc.integer(), utf8ish),
      data: fc.record({
        httpStatus: fc.oneof(fc.integer({ min: -1, max: 100_000 }), utf8ish, fc.constant(null)),
        code: utf8ish,
      }),
    })
    .map((error) => JSON.stringify({ error })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
  fc.array(fc.jsonValue({ maxDepth: 2 })).map((a) => JSON.stringify(a)),
  latin1(80),
);

/** Upstream responses as raw bytes: odd status lines, injected and duplicated headers, broken framing. */
export const upstreamResponseArb: fc.Arbitrary<string> = fc
  .record({
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/1.1 ', 'ICY', ''),
    status: fc.oneof(
      fc.integer({ min: 0, max: 999 }).map(String),
      fc.constantFrom('200', '503', '099', '1000', '-1', '2OO', ''),
      latin1(4),
    ),
    reason: fc.oneof(fc.constant('OK'), latin1(20)),
    headers: fc.array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'x-region',
            'x-replica-id',
            'content-type',
            'set-cookie',
            'location',
            'retry-after',
            'content-encoding',
            'x-request-id',
            'traceparent',
          ),
          latin1(12),
        ),
        fc.oneof(utf8ish, latin1(40)),
      ),
      { maxLength: 6 },
    ),
    body: trpcBody,
    framing: fc.constantFrom(
      'length',
      'length',
      'wrong-length',
      'double-length',
      'chunked-bad',
      'none',
      'truncate',
      'nothing',
    ),
  })
  .map((r) => {
    const head = `${r.version} ${r.status} ${r.reason}\r\n${r.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}`;
    const len = Buffer.byteLength(r.body, 'latin1');
    switch (r.framing) {
      case 'length':
        return `${head}content-length: ${len}\r\nconnection: close\r\n\r\n${r.body}`;
      case 'wrong-length':
        return `${head}content-length: ${len + 7}\r\nconnection: close\r\n\r\n${r.body}`;
      case 'double-length':
        return `${head}content-length: ${len}\r\ncontent-length: ${len + 1}\r\nconnection: close\r\n\r\n${r.body}`;
      case 'chunked-bad':
        return `${head}transfer-encoding: chunked\r\nconnection: close\r\n\r\nzz\r\n${r.body}\r\n`;
      case 'none':
        return `${head}connection: close\r\n\r\n${r.body}`;
      case 'truncate':
        return `${head}content-length: ${len}\r\n`;
      default:
        return '';
    }
  });

/** `count` upstream responses from a fixed seed. */
export function upstreamResponses(seed: number, count: number): string[] {
  return fc.sample(upstreamResponseArb, { seed, numRuns: count });
}
