import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolveStatic } from '../src/safe-path.js';

const ROOT = '/srv/static';
const ALLOWED = new Set(['dashboard.js', 'dashboard.css']);

describe('resolveStatic', () => {
  it('serves allow-listed files', () => {
    expect(resolveStatic(ROOT, '/static/dashboard.js', ALLOWED)).toEqual({ file: '/srv/static/dashboard.js' });
    expect(resolveStatic(ROOT, '/static/dashboard%2ecss', ALLOWED)).toEqual({ file: '/srv/static/dashboard.css' });
  });

  it.each([
    '/static/../server.ts',
    '/../etc/passwd',
    '/static/%2e%2e/server.ts',
    '/static/%2e%2e%2fserver.ts',
    '/static/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    '/static/%252e%252e%252fserver.ts',
    '/static/%25252e%25252e%25252fserver.ts',
    '/static/..%5cserver.ts',
    '/static/.%2e/x',
    '/static/./dashboard.js',
    '/static/dashboard.js%00.png',
    '/static/%zz',
  ])('rejects %s', (p) => {
    const r = resolveStatic(ROOT, p, ALLOWED);
    expect('rejected' in r && r.rejected !== 'not-allowed').toBe(true);
  });

  it('never resolves outside the root, whatever the input', () => {
    const segment = fc.constantFrom(
      '..',
      '.',
      '%2e',
      '%2E%2e',
      '%2f',
      '%252f',
      '%5c',
      'static',
      'dashboard.js',
      'etc',
      'passwd',
      '%00',
      '',
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), (segs) => {
        const r = resolveStatic(ROOT, `/${segs.join('/')}`, ALLOWED);
        if ('file' in r) expect(['/srv/static/dashboard.js', '/srv/static/dashboard.css']).toContain(r.file);
      }),
      { numRuns: 2000 },
    );
  });
});
