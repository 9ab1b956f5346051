import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./replica-process.ts', import.meta.url));

/** A replica-process.ts child with line-based JSON I/O. */
export class ChildReplica {
  readonly lines: Array<Record<string, unknown>> = [];
  private readonly proc: ChildProcess;
  private listeners: Array<() => void> = [];

  constructor(args: string[]) {
    this.proc = spawn(process.execPath, ['--conditions=@breakwater/source', '--import', 'tsx', SCRIPT, ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => {
      try {
        this.lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        /* not ours */
      }
      for (const fn of this.listeners) fn();
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  send(cmd: string): void {
    this.proc.stdin!.write(`${JSON.stringify({ cmd })}\n`);
  }

  /** Resolves with the first line (seen so far or later) matching `pred`. */
  next(pred: (l: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.lines.find(pred);
        if (hit === undefined) return false;
        this.listeners = this.listeners.filter((f) => f !== onLine);
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const onLine = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((f) => f !== onLine);
        reject(new Error(`child: no matching line within ${timeoutMs}ms; got ${JSON.stringify(this.lines)}`));
      }, timeoutMs);
      if (!check()) this.listeners.push(onLine);
    });
  }

  /** kill -9 and wait for exit. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) return resolve();
      this.proc.once('exit', () => resolve());
      this.proc.kill(signal);
    });
  }
}
