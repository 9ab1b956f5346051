import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { allowedHosts, hostAllowed, originAllowed } from './host.js';
import { hasToken } from './token.js';

const req = (headers: Record<string, string | undefined>): IncomingMessage =>
  ({ headers }) as unknown as IncomingMessage;

describe('host and origin checks', () => {
  const allowed = allowedHosts(8080, ['demo.example.com']);
  it('accepts loopback names on the port and the public host only', () => {
    for (const h of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST:8080', '[::1]:8080', 'demo.example.com'])
      expect(hostAllowed(req({ host: h }), allowed), h).toBe(true);
    for (const h of [
      'rebind.attacker.example',
      'rebind.attacker.example:8080',
      '127.0.0.1:8081',
      '127.0.0.1',
      undefined,
    ])
      expect(hostAllowed(req({ host: h }), allowed), String(h)).toBe(false);
  });

  it('checks Origin and Sec-Fetch-Site', () => {
    expect(originAllowed(req({}), allowed)).toBe(true);
    expect(originAllowed(req({ origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' }), allowed)).toBe(
      true,
    );
    expect(originAllowed(req({ origin: 'http://rebind.attacker.example:8080' }), allowed)).toBe(false);
    expect(originAllowed(req({ origin: 'null' }), allowed)).toBe(false);
    expect(originAllowed(req({ 'sec-fetch-site': 'cross-site' }), allowed)).toBe(false);
  });
});

describe('hasToken', () => {
  const T = 'tok-0123456789abcdef';
  it('reads the bearer header, X-Chaos-Token and (when asked) a cookie', () => {
    expect(hasToken(req({ authorization: `Bearer ${T}` }), T)).toBe(true);
    expect(hasToken(req({ 'x-chaos-token': T }), T)).toBe(true);
    expect(hasToken(req({ cookie: `a=b; bw=${T}` }), T)).toBe(false);
    expect(hasToken(req({ cookie: `a=b; bw=${T}` }), T, { cookie: 'bw' })).toBe(true);
    expect(hasToken(req({ cookie: 'bw=wrong; =;;' }), T, { cookie: 'bw' })).toBe(false);
    expect(hasToken(req({ authorization: 'Bearer wrong', 'x-chaos-token': T }), T)).toBe(true);
  });
});
