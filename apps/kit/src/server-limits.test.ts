import { describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { createLimitedServer, defaultServerLimits, resolveServerLimits } from './server-limits.js';
import { slowHeadersClient } from '@breakwater/testkit/apps';

describe('server limits', () => {
  it('validates and fills in defaults', () => {
    expect(resolveServerLimits(undefined, 'x')).toEqual(defaultServerLimits);
    expect(resolveServerLimits({ maxConnections: 10 }, 'x').maxConnections).toBe(10);
    expect(() => resolveServerLimits({ headersTimeoutMs: -1 }, 'app.server')).toThrow(
      expect.objectContaining({ code: 'BW_CONFIG', path: 'app.server.headersTimeoutMs' }),
    );
    expect(() => resolveServerLimits({ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 }, 'app.server')).toThrow(
      expect.objectContaining({ path: 'app.server.headersTimeoutMs' }),
    );
    expect(() => resolveServerLimits({ nope: 1 } as never, 'app.server')).toThrow(
      expect.objectContaining({ path: 'app.server.nope' }),
    );
  });

  it('cuts a slow-headers client within headersTimeout + checking interval; caps connections', async () => {
    const limits = resolveServerLimits(
      { headersTimeoutMs: 300, requestTimeoutMs: 600, connectionsCheckingIntervalMs: 100, maxConnections: 2 },
      'x',
    );
    const server = createLimitedServer(limits, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const { closedAfterMs, answer } = await slowHeadersClient(port, 5_000);
      expect(closedAfterMs).toBeLessThan(300 + 100 + 700); // generous margin for a loaded machine
      expect(answer).toMatch(/^HTTP\/1\.1 408|^$/);
      expect(server.maxConnections).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
