import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { fire, fuzzRequests, spawnApp, type AppProcess } from '@breakwater/testkit/apps';

// Issue 15: request targets, methods, header values and bodies (fixed seed) against a dashboard
// process; it must never exit and keep answering afterwards.
const server = fileURLToPath(new URL('./fuzz-server.ts', import.meta.url));
let app: AppProcess | undefined;
afterAll(async () => app?.stop());

describe('dashboard process under fuzzed requests', () => {
  it('never exits; the page and state answer afterwards', async () => {
    app = await spawnApp(server, []);
    const port = Number(app.ready['port']);
    const sent = await fire(port, fuzzRequests(17, 600), { budgetMs: 4_000 });
    expect(sent).toBeGreaterThan(100);
    expect(app.child.exitCode, app.output()).toBeNull();
    expect((await fetch(`http://127.0.0.1:${port}/api/state`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  }, 30_000);
});
