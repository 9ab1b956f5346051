import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import {
  fire,
  fuzzRequests,
  slowHeadersClient,
  spawnApp,
  type AppProcess,
  type FuzzRequest,
} from '@breakwater/testkit/apps';
import { okJson, startHostileUpstream, type HostileUpstream } from './hostile-upstream.js';
import { upstreamResponses } from './upstream-fuzz.js';

// Issue 15: a gateway process between fuzzed clients (targets, methods, headers, bodies) and two
// hostile upstreams (status lines, headers, framing, tRPC payload fields), fixed seeds. The
// process must never exit, and /health must answer afterwards.
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
let app: AppProcess | undefined;
const upstreams: HostileUpstream[] = [];
afterAll(async () => {
  await app?.stop();
  await Promise.all(upstreams.map((u) => u.close()));
});

describe('gateway process under fuzzed clients and hostile upstreams', () => {
  it('never exits; /health answers afterwards', async () => {
    const responses = upstreamResponses(15, 800);
    let next = 0;
    for (let i = 0; i < 2; i++) {
      upstreams.push(
        await startHostileUpstream((req) =>
          req.target === '/health'
            ? okJson('{"status":"ok"}')
            : Buffer.from(responses[next++ % responses.length] as string, 'latin1'),
        ),
      );
    }
    app = await spawnApp(
      main,
      [
        '--id',
        'gw-fuzz',
        '--replicas',
        `eu-1@eu=${upstreams[0]!.url},us-1@us=${upstreams[1]!.url}`,
        '--regions',
        'eu,us',
        '--headers-timeout-ms',
        '300',
        '--request-timeout-ms',
        '600',
      ],
      { CHAOS_TOKEN: 'fuzz-token-0123456789', REDIS_URL: '' },
    );
    const port = Number(new URL(String(app.ready['url'])).port);
    // Half the traffic on the proxied routes (so the upstream fuzz is reached), half fully fuzzed.
    const proxied: FuzzRequest[] = Array.from({ length: 400 }, (_, i) => ({
      method: 'GET',
      target: ['/api/work', '/rpc/work', '/axios/work'][i % 3] as string,
      headers: i % 2 ? [['x-region', i % 4 ? 'us' : 'eu']] : [],
      body: '',
    }));
    const mixed = fuzzRequests(16, 400).flatMap((r, i) => [r, proxied[i] as FuzzRequest]);
    const sent = await fire(port, mixed, { budgetMs: 5_000 });
    expect(sent).toBeGreaterThan(100);
    expect(upstreams[0]!.requests.length + upstreams[1]!.requests.length).toBeGreaterThan(50);
    expect(app.child.exitCode, app.output()).toBeNull();
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    // The limit flags reach the server: a slow-headers client is cut within 300 ms + the 1 s check interval.
    expect((await slowHeadersClient(port, 5_000)).closedAfterMs).toBeLessThan(2_500);
  }, 40_000);
});
