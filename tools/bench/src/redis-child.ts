import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./redis-replica.ts', import.meta.url));

/** A redis-replica.ts process with JSON-line output. */
export class BenchReplica {
  private readonly proc: ChildProcess;
  private readonly queue: Array<Record<string, unknown>> = [];
  private waiter:
    { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void } | undefined;

  constructor(args: string[]) {
    this.proc = spawn(process.execPath, ['--conditions=@breakwater/source', '--import', 'tsx', SCRIPT, ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(l) as Record<string, unknown>;
      } catch {
        return;
      }
      const w = this.waiter;
      if (w !== undefined && w.pred(o)) {
        this.waiter = undefined;
        w.resolve(o);
      } else {
        this.queue.push(o);
      }
    });
  }

  send(cmd: string): void {
    this.proc.stdin!.write(`${cmd}\n`);
  }

  /** The next line matching `pred` (earlier non-matching lines are dropped). */
  next(pred: (l: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    while (this.queue.length > 0) {
      const o = this.queue.shift()!;
      if (pred(o)) return Promise.resolve(o);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`bench replica: no answer within ${timeoutMs}ms`));
      }, timeoutMs);
      this.waiter = {
        pred,
        resolve: (o) => {
          clearTimeout(timer);
          resolve(o);
        },
      };
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null) return resolve();
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
      this.proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      this.send('exit');
    });
  }
}
