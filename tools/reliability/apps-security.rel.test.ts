import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { isLoopback, listeningSocketsOf, processTree } from './harness/listen-audit.js';
import { startTsProcess, type RunningProcess } from './harness/processes.js';
import { rawGet, rawRequest } from './harness/raw-request.js';
import { recordFigures } from './harness/results.js';

const running: RunningProcess[] = [];
const figures: Record<string, string | number> = {};
afterAll(async () => {
  for (const p of running) await p.stop();
  recordFigures('88-apps-security', { title: 'Security: demo processes from the outside', rows: figures });
});

/** Starts an app entry point with a clean environment for the things under test (no CHAOS_TOKEN, no HOST). */
function start(entry: string, args: string[] = []): RunningProcess {
  const env: Record<string, string> = {};
  const p = startTsProcess(entry, args, env);
  // The parent's CHAOS_TOKEN/HOST must not leak in: the apps must make their own per-run token and
  // bind loopback by default.
  running.push(p);
  return p;
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    signal: AbortSignal.timeout(5000),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Every listening socket of the process tree is on loopback; returns what it found, for the report. */
function assertLoopbackOnly(p: RunningProcess, label: string): string {
  const socks = listeningSocketsOf(p.child.pid!);
  const desc = socks.map((s) => `${s.address}:${s.port}`).join(', ');
  figures[`${label}: listening sockets`] = desc || 'none found';
  expect(socks.length, `${label}: no listening sockets found`).toBeGreaterThan(0);
  expect(
    socks.filter((s) => !isLoopback(s.address)).map((s) => `${s.address}:${s.port}`),
    `${label} binds beyond loopback`,
  ).toEqual([]);
  return desc;
}

/** True while `pid` exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120);
  } catch {
    return String(pid);
  }
};

delete process.env['CHAOS_TOKEN'];
delete process.env['HOST'];

describe('security: demo processes bind 127.0.0.1 only and guard chaos controls with a per-run token', () => {
  let replicaUrl = '';

  it('replica: loopback only; chaos needs the token it printed at start; oversized bodies refused', async () => {
    const p = start('apps/replica/src/main.ts', ['--id', 'rel-1', '--region', 'eu']);
    const ready = await p.waitFor(/"event":"ready".*?"url":"([^"]+)".*?"adminUrl":"([^"]+)"/);
    const tokenLine = await p.waitFor(/"event":"token".*?"token":"([A-Za-z0-9_-]+)"/);
    const [url, adminUrl, token] = [ready[1]!, ready[2]!, tokenLine[1]!];
    replicaUrl = url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    assertLoopbackOnly(p, 'replica');

    const chaos = `${adminUrl}/chaos`;
    const body = JSON.stringify({ latencyMs: 1 });
    const statuses = {
      none: await post(chaos, body),
      wrong: await post(chaos, body, { authorization: `Bearer ${'0'.repeat(token.length)}` }),
      wrongLength: await post(chaos, body, { authorization: 'Bearer x' }),
      right: await post(chaos, body, { authorization: `Bearer ${token}` }),
      oversized: await post(chaos, JSON.stringify({ latencyMs: 1, pad: 'x'.repeat(1024 * 1024) }), {
        authorization: `Bearer ${token}`,
      }).catch(() => 413),
      reset: await post(`${adminUrl}/chaos/reset`, '', { authorization: `Bearer ${token}` }),
    };
    figures['replica: chaos status without / wrong / right token / 1 MiB body'] =
      `${statuses.none} / ${statuses.wrong} / ${statuses.right} / ${statuses.oversized}`;
    expect(statuses).toEqual({ none: 401, wrong: 401, wrongLength: 401, right: 200, oversized: 413, reset: 200 });
    // The token must not be accepted from the URL (it would end up in access logs and browser history).
    const q = await fetch(`${chaos}?token=${token}`, { method: 'POST', body, signal: AbortSignal.timeout(5000) });
    expect(q.status).toBe(401);
  });

  it('gateway: loopback only; /admin/* needs its per-run token', async () => {
    expect(replicaUrl, 'replica test must run first').not.toBe('');
    const p = start('apps/gateway/src/main.ts', ['--replicas', `rel-1@eu=${replicaUrl}`, '--regions', 'eu']);
    const ready = await p.waitFor(/"event":"ready".*?"url":"(http:\/\/[^"]+)"/);
    expect(ready[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    assertLoopbackOnly(p, 'gateway');
    const none = await post(`${ready[1]}/admin/propagation/trip`, '');
    const wrong = await post(`${ready[1]}/admin/propagation/trip`, '', { authorization: 'Bearer nope' });
    figures['gateway: /admin without / wrong token'] = `${none} / ${wrong}`;
    expect([none, wrong]).toEqual([401, 401]);
  });

  it('demo dashboard: loopback only, no path traversal, oversized requests refused, chaos needs the token', async () => {
    const p = start('apps/demo/src/main.ts', ['--interactive']);
    const dash = await p.waitFor(/dashboard[^\n]*?(http:\/\/[0-9.:[\]]+:\d+)/i, 120_000);
    const tok = await p.waitFor(/chaos token:\s*([A-Za-z0-9_-]{16,128})/i, 30_000);
    const base = dash[1]!;
    const token = tok[1]!;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    assertLoopbackOnly(p, 'demo (all processes)');
    const tree = processTree(p.child.pid!);
    const port = Number(new URL(base).port);

    const page = await rawRequest(port, rawGet('/static/dashboard.js', port));
    expect(page.status, 'positive control: an allowed static file is served').toBe(200);
    const traversals = [
      '/static/../server.ts',
      '/static/../../../../../../etc/passwd',
      '/../package.json',
      '/static/%2e%2e/server.ts',
      '/static/%2e%2e%2fserver.ts',
      '/static/%252e%252e%252fserver.ts',
      '/static/..%2fserver.ts',
      '/static/..%5cserver.ts',
      '/static/..\\server.ts',
      '/static/%2E%2E/%2E%2E/package.json',
      '/static/....//server.ts',
      '/static/.%2e/server.ts',
      '/static/%c0%ae%c0%ae/server.ts',
      '/static/dashboard.js%00.ts',
      '//etc/passwd',
      '/static//etc/passwd',
      '/static/%2fetc%2fpasswd',
      'http://127.0.0.1/static/../server.ts',
      '/static/./../server.ts',
      '/static/%u002e%u002e/server.ts',
    ];
    const served: string[] = [];
    for (const t of traversals) {
      const r = await rawRequest(port, rawGet(t, port));
      if (r.status === 200 || /root:x:0:0|resolveStatic|"name":\s*"breakwater"|startDashboard/.test(r.text))
        served.push(`${t} → ${r.status}`);
    }
    figures['dashboard: traversal attempts / served'] = `${traversals.length} / ${served.length}`;
    expect(served).toEqual([]);

    const hugeHeader = await rawRequest(port, rawGet('/', port, `X-Pad: ${'a'.repeat(64 * 1024)}\r\n`));
    const hugeUrl = await rawRequest(port, rawGet(`/static/${'a'.repeat(16 * 1024)}`, port));
    const chaos = `${base}/api/chaos`;
    const cmd = JSON.stringify({ target: 'replica', id: 'nope-0', action: 'reset' });
    const hugeBody = await post(
      chaos,
      JSON.stringify({ target: 'replica', id: 'x', action: 'reset', pad: 'x'.repeat(1024 * 1024) }),
      {
        'x-chaos-token': token,
      },
    ).catch(() => 413);
    const none = await post(chaos, cmd);
    const wrong = await post(chaos, cmd, { 'x-chaos-token': 'A'.repeat(token.length) });
    const unknownTarget = await post(chaos, cmd, { 'x-chaos-token': token });
    // A real replica from the dashboard's own state: with the token, a valid command goes through.
    const state = (await (await fetch(`${base}/api/state`, { signal: AbortSignal.timeout(5000) })).json()) as {
      replicas?: Array<{ id: string }>;
    };
    const replicaId = state.replicas?.[0]?.id ?? 'missing';
    const valid = JSON.stringify({ target: 'replica', id: replicaId, action: 'reset' });
    const right = await post(chaos, valid, { 'x-chaos-token': token });
    const wrongValid = await post(chaos, valid, { 'x-chaos-token': `${token.slice(0, -1)}x` });
    figures['dashboard: 64 KiB header / 16 KiB URL / 1 MiB body'] =
      `${hugeHeader.status || hugeHeader.error} / ${hugeUrl.status || hugeUrl.error} / ${hugeBody}`;
    figures['dashboard: chaos without / wrong / right token (valid command)'] = `${none} / ${wrongValid} / ${right}`;
    figures['dashboard: chaos with token, unknown replica'] = unknownTarget;
    expect(hugeHeader.status).toBe(431);
    expect([413, 414, 431, 400]).toContain(hugeUrl.status);
    expect(hugeBody).toBe(413);
    expect([none, wrong, wrongValid]).toEqual([401, 401, 401]);
    expect(unknownTarget).not.toBe(401);
    expect(right).toBe(200);

    // Stopping the demo stops everything it started: no replica, gateway or redis-server outlives it.
    await p.stop(15_000);
    const deadline = Date.now() + 5000;
    let survivors = tree.filter(alive);
    while (survivors.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      survivors = tree.filter(alive);
    }
    figures['demo: processes in its tree / alive 5 s after SIGTERM'] = `${tree.length} / ${survivors.length}`;
    expect(survivors.map((pid) => cmdline(pid))).toEqual([]);
  });

  it('demo killed with SIGKILL: nothing it started survives (children watch their stdin pipe)', async () => {
    const p = start('apps/demo/src/main.ts', ['--interactive']);
    await p.waitFor(/chaos token:\s*([A-Za-z0-9_-]{16,128})/i, 120_000);
    const tree = processTree(p.child.pid!);
    expect(tree.length, 'the demo should have started child processes').toBeGreaterThan(1);
    p.child.kill('SIGKILL');
    const deadline = Date.now() + 8000;
    let survivors = tree.filter(alive);
    while (survivors.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      survivors = tree.filter(alive);
    }
    figures['demo: processes / alive 8 s after SIGKILL of the demo'] = `${tree.length} / ${survivors.length}`;
    expect(survivors.map((pid) => cmdline(pid))).toEqual([]);
  });
});
