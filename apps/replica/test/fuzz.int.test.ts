import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { fire, fuzzRequests, slowHeadersClient, spawnApp, type AppProcess } from '@breakwater/testkit/apps';

// Issue 15: request targets, methods, header values and bodies (fixed seed) against a replica
// process; it must never exit and /health must answer afterwards on both listeners.
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
let app: AppProcess | undefined;
afterAll(async () => app?.stop());

describe('replica process under fuzzed requests', () => {
  it('never exits; /health answers on both listeners afterwards', async () => {
    app = await spawnApp(
      main,
      ['--id', 'eu-1', '--region', 'eu', '--headers-timeout-ms', '300', '--request-timeout-ms', '600'],
      {
        CHAOS_TOKEN: 'fuzz-token-0123456789',
      },
    );
    const port = Number(app.ready['port']);
    const adminPort = Number(app.ready['adminPort']);
    const requests = fuzzRequests(15, 600);
    const sent =
      (await fire(port, requests.slice(0, 300), { budgetMs: 3_000 })) +
      (await fire(adminPort, requests.slice(300), { budgetMs: 2_000 }));
    expect(sent).toBeGreaterThan(100);
    expect(app.child.exitCode, app.output()).toBeNull();
    for (const p of [port, adminPort]) expect((await fetch(`http://127.0.0.1:${p}/health`)).status).toBe(200);
    // The limit flags reach both listeners: a slow-headers client is cut within 300 ms + the 1 s check interval.
    for (const p of [port, adminPort]) expect((await slowHeadersClient(p, 5_000)).closedAfterMs).toBeLessThan(2_500);
  }, 30_000);
});
