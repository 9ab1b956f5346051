import { constantBackoff, retry } from '@breakwater/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { instrument, redactText, redactUrl } from './index.js';
import { installGlobals, sdk } from '@breakwater/testkit/otel';

describe('redaction', () => {
  it.each([
    ['http://user:pass@h:1/p', 'http://REDACTED:REDACTED@h:1/p'],
    ['https://h/p?token=abc&x=1', 'https://h/p?token=REDACTED&x=1'],
    [
      'https://h/p?access_token=a&api_key=b&password=c&sig=d&X-Amz-Signature=e&page=2',
      'https://h/p?access_token=REDACTED&api_key=REDACTED&password=REDACTED&sig=REDACTED&X-Amz-Signature=REDACTED&page=2',
    ],
    ['https://h/p#frag', 'https://h/p'],
  ])('redactUrl(%s)', (input, out) => {
    expect(redactUrl(input)).toBe(out);
  });

  it('resolves relative URLs against a base and refuses garbage', () => {
    expect(redactUrl('/a?secret=1', 'http://u:p@h:8080')).toBe('http://REDACTED:REDACTED@h:8080/a?secret=REDACTED');
    expect(redactUrl('not a url')).toBeUndefined();
  });

  it('redacts URLs, query secrets and bearer tokens inside text', () => {
    expect(redactText('connect to redis://admin:hunter2@r:6379 failed')).toBe(
      'connect to redis://REDACTED:REDACTED@r:6379 failed',
    );
    expect(redactText('GET https://h/x?api_key=k1&n=2 -> 500')).toBe('GET https://h/x?api_key=REDACTED&n=2 -> 500');
    expect(redactText('Authorization: Bearer eyJhbGciOi.abc.def')).toBe('Authorization: Bearer REDACTED');
  });
});

describe('no secrets reach the exporter', () => {
  beforeAll(installGlobals);

  it('spans, events and metrics never contain credentials, tokens, cookies or auth headers', async () => {
    const t = sdk();
    const policy = instrument(retry({ maxAttempts: 2, backoff: constantBackoff(0) }), {
      tracer: t.tracer,
      meter: t.meter,
      captureHeaders: ['authorization', 'cookie', 'set-cookie', 'proxy-authorization', 'x-request-id'],
    });
    const context = {
      http: {
        method: 'POST',
        url: 'https://alice:s3cr3t-pw@api.example.com/v1/pay?access_token=tok-123&amount=5',
        headers: {
          Authorization: 'Bearer tok-456',
          Cookie: 'session_id=sess-789',
          'Proxy-Authorization': 'Basic cHJveHk6cHc=',
          'X-Request-Id': 'req-1',
        },
      },
    };
    await expect(
      policy.execute(
        () => {
          throw new Error(
            'request to https://alice:s3cr3t-pw@api.example.com/v1/pay?access_token=tok-123 failed with Bearer tok-456',
          );
        },
        { context },
      ),
    ).rejects.toThrow();
    const dump =
      JSON.stringify(t.spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events }))) +
      JSON.stringify(await t.metrics());
    for (const secret of ['s3cr3t-pw', 'alice', 'tok-123', 'tok-456', 'sess-789', 'cHJveHk6cHc='])
      expect(dump).not.toContain(secret);
    expect(dump).toContain('REDACTED:REDACTED@api.example.com');
    expect(dump).toContain('"http.request.header.authorization":"REDACTED"');
    expect(dump).toContain('"http.request.header.x-request-id":"req-1"');
    await t.shutdown();
  });
});
