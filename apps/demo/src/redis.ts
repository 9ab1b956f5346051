import { spawnSync } from 'node:child_process';
import { freePort, pingRedis } from '@breakwater/testkit';
import { spawnChild, type Child } from './children.js';

/** Where breaker state is shared in this run. */
export interface DemoRedis {
  url: string | undefined;
  source: 'REDIS_URL' | 'spawned' | 'none';
  stop(): Promise<void>;
}

/**
 * REDIS_URL if set; else a redis-server spawned on a free port (stopped on exit); else none
 * (the gateways then run in one process over an in-memory store).
 */
export async function embeddedRedis(env: NodeJS.ProcessEnv = process.env): Promise<DemoRedis> {
  if (env['REDIS_URL']) return { url: env['REDIS_URL'], source: 'REDIS_URL', stop: async () => undefined };
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0)
    return { url: undefined, source: 'none', stop: async () => undefined };
  const port = await freePort();
  // redis-server cannot watch its parent, so a shell does: when the demo's pipe closes (even on
  // SIGKILL) `read` returns and the shell stops redis.
  const script = [
    `redis-server --port ${port} --bind 127.0.0.1 --save '' --appendonly no --protected-mode yes --loglevel warning &`,
    "pid=$!; trap 'kill $pid 2>/dev/null' TERM INT; read _; kill $pid 2>/dev/null; wait $pid",
  ].join(' ');
  const child: Child = spawnChild('redis', 'sh', ['-c', script], {});
  const deadline = Date.now() + 5_000;
  while (!(await pingRedis('127.0.0.1', port, 200))) {
    if (Date.now() > deadline) {
      await child.stop('SIGKILL');
      throw new Error(`redis-server did not answer on 127.0.0.1:${port}\n${child.tail().join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    source: 'spawned',
    async stop() {
      child.proc.stdin?.end();
      await child.stop('SIGTERM', 3_000);
    },
  };
}
