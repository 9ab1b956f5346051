import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process the demo owns, with its stdout parsed as JSON lines. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  /**
   * Resolves with the first JSON line matching `pred`, seen before or after the call (rejects on
   * exit or after `timeoutMs`).
   */
  waitFor<T = Record<string, unknown>>(
    pred: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<T>;
  /** Sends `signal`, escalates to SIGKILL after `graceMs`; resolves with the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  /** Last lines of output, for error messages. */
  tail(): string[];
}

const live = new Set<ChildProcess>();
let hooked = false;

/** Kills every live child's process group synchronously (used on exit paths). */
export function killAllChildren(): void {
  for (const p of live) {
    try {
      if (p.pid !== undefined) process.kill(-p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // Last line of defence: whatever way the demo exits, no child survives it.
  process.on('exit', killAllChildren);
}

/**
 * Starts a child in its own process group (so the demo decides the shutdown order and can kill
 * the whole group) with a stdin pipe: children started with BW_EXIT_WITH_PARENT=1 leave when it
 * closes, which covers the demo being SIGKILLed.
 */
export function spawnChild(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine?: (line: Record<string, unknown>) => void,
): Child {
  hookExit();
  const proc = spawn(command, args, {
    env: { ...process.env, ...env, BW_EXIT_WITH_PARENT: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(proc);
  const lines: string[] = [];
  // Parsed lines already seen, so a waitFor registered late still finds its line.
  const seen: Array<Record<string, unknown>> = [];
  const waiters = new Set<{
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (v: Record<string, unknown>) => void;
  }>();
  const remember = (text: string): void => {
    lines.push(text);
    if (lines.length > 40) lines.shift();
  };
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    remember(text);
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    onLine?.(obj);
    if (seen.length < 500) seen.push(obj);
    for (const w of [...waiters])
      if (w.pred(obj)) {
        waiters.delete(w);
        w.resolve(obj);
      }
  });
  createInterface({ input: proc.stderr as NodeJS.ReadableStream }).on('line', remember);
  proc.stdin?.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      live.delete(proc);
      resolve(code);
    });
  });
  return {
    name,
    proc,
    tail: () => [...lines],
    waitFor<T>(pred: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const earlier = seen.find(pred);
        if (earlier !== undefined) return resolve(earlier as T);
        const w = {
          pred,
          resolve: (v: Record<string, unknown>) => {
            clearTimeout(timer);
            resolve(v as T);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${name}: not ready after ${timeoutMs} ms\n${lines.join('\n')}`));
        }, timeoutMs);
        waiters.add(w);
        void exited.then((code) => {
          if (!waiters.has(w)) return;
          waiters.delete(w);
          clearTimeout(timer);
          reject(new Error(`${name} exited with code ${String(code)} before it was ready\n${lines.join('\n')}`));
        });
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      const timer = setTimeout(() => {
        try {
          if (proc.pid !== undefined) process.kill(-proc.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Arguments that run a TypeScript entry the way `npm run demo` does: no build step. */
export function nodeTs(file: string, args: string[] = []): [string, string[]] {
  return [process.execPath, ['--conditions=@breakwater/source', '--import', 'tsx', file, ...args]];
}
