import { describe, expect, it } from 'vitest';
import { redactDeep, redactText } from './redact.js';

describe('redaction', () => {
  it('masks credentials in free text', () => {
    expect(redactText('connect to http://svc:s3cret@10.0.0.1:8080 failed')).toBe(
      'connect to http://REDACTED@10.0.0.1:8080 failed',
    );
    expect(redactText('no url here')).toBe('no url here');
  });

  it('masks every URL in a nested snapshot, leaving the rest alone', () => {
    const snap = {
      id: 'gw',
      endpoints: [{ id: 'eu-1', url: 'http://svc:s3cret@h:1', n: 1 }],
      note: 'see redis://u:p@r:6379/0',
      ok: true,
    };
    const out = redactDeep(snap);
    expect(JSON.stringify(out)).not.toMatch(/s3cret|u:p@/);
    expect(out.endpoints[0]).toMatchObject({ id: 'eu-1', n: 1 });
    expect(out.ok).toBe(true);
    expect(snap.endpoints[0]!.url).toContain('s3cret'); // input untouched
  });
});
