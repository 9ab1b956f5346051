import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (tools/reliability/harness → ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A child process whose output we keep, with helpers to wait for lines. */
export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `re` in the output (existing or future), or rejects after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a TypeScript entry point of this repo the way `npm run demo` does (tsx + source condition),
 * as a real separate process.
 */
export function startTsProcess(entry: string, args: string[] = [], env: Record<string, string> = {}): RunningProcess {
  const child = spawn(process.execPath, ['--conditions=@breakwater/source', '--import', 'tsx', entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters = new Set<() => void>();
  const onChunk = (c: Buffer): void => {
    out += c.toString('utf8');
    for (const w of [...waiters]) w();
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('exit', () => {
    for (const w of [...waiters]) w();
  });
  return {
    child,
    output: () => out,
    waitFor(re, timeoutMs = 30_000) {
      return new Promise((resolveMatch, reject) => {
        const check = (): void => {
          const m = out.match(re);
          if (m) {
            cleanup();
            resolveMatch(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(
              new Error(
                `process ${entry} exited (${child.exitCode ?? child.signalCode}) before printing ${re}; output:\n${out.slice(-4000)}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`timed out after ${timeoutMs}ms waiting for ${re} from ${entry}; output:\n${out.slice(-4000)}`),
          );
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}
