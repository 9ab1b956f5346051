import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { freePort } from './ports.js';

/** A redis-server process this test owns (never the shared one at 6379). */
export interface SpawnedRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  /** kill -9 (or another signal) and wait for exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the process hangs with its sockets open (a hung VM), unlike kill. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Start again on the same port (after kill). */
  restart(): Promise<void>;
  /** Graceful stop; idempotent. */
  stop(): Promise<void>;
}

export function hasRedisServerBinary(): boolean {
  const r = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Sends PING over a raw socket (TLS trusting `tls.ca` when given); resolves true on +PONG within
 * `timeoutMs` (or on -NOAUTH when `authRequiredIsAlive`: a password-protected server we spawned ourselves).
 */
export function pingRedis(
  host: string,
  port: number,
  timeoutMs = 500,
  authRequiredIsAlive = false,
  tls?: { ca: Buffer },
): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tls === undefined ? createConnection({ host, port }) : tlsConnect({ host, port, ca: tls.ca });
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on(tls === undefined ? 'connect' : 'secureConnect', () => sock.write('PING\r\n'));
    sock.on('data', (d) =>
      finish(d.toString().startsWith('+PONG') || (authRequiredIsAlive && d.toString().startsWith('-NOAUTH'))),
    );
    sock.on('error', () => finish(false));
  });
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pingRedis('127.0.0.1', port, 200, true)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on 127.0.0.1:${port} did not answer PING within ${timeoutMs}ms`);
}

/**
 * Spawns `redis-server` on a free port (or `port`) bound to 127.0.0.1, without persistence.
 * Extra args are appended (e.g. `['--cluster-enabled', 'yes']`); `config`: a config file read first.
 */
export async function spawnRedisServer(
  o: { port?: number; args?: string[]; config?: string } = {},
): Promise<SpawnedRedis> {
  const port = o.port ?? (await freePort());
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      [
        ...(o.config === undefined ? [] : [o.config]),
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
        '--enable-debug-command',
        'yes',
        ...(o.args ?? []),
      ],
      { stdio: 'ignore' },
    );
    child.on('error', () => undefined);
    await waitForPing(port, 5000);
  };
  const waitExit = (c: ChildProcess | undefined): Promise<void> =>
    new Promise((resolve) => {
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
    });
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const c = child;
      c?.kill(signal);
      await waitExit(c);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async restart() {
      await start();
    },
    async stop() {
      const c = child;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      c.kill('SIGCONT'); // a frozen (SIGSTOP) server would never act on SIGTERM
      c.kill('SIGTERM');
      await waitExit(c);
    },
  };
}
