import { Agent, fetch } from 'undici';

/** One client request as the load generator saw it. */
export interface Sample {
  /** Start, ms since the Unix epoch. */
  t: number;
  ms: number;
  ok: boolean;
  status: number;
  region: string | undefined;
  gateway: string;
  via: string;
  /** For errors: the gateway's error code (`BW_TIMEOUT`, `ECONNREFUSED`, …) or the transport error's name. */
  code?: string;
}

const PATHS = ['/api/work', '/rpc/work', '/axios/work'] as const;

/**
 * Open-loop load: `rate` requests per second whatever the latency (a closed loop would slow
 * down exactly when the system is in trouble and hide errors), spread over the gateways and
 * the three adapter paths in turn.
 */
export class LoadGenerator {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private outstanding = 0;
  private seq = 0;
  private credit = 0;
  private last = 0;
  private readonly agent = new Agent({ keepAliveTimeout: 4_000, connections: 64 });

  constructor(
    private readonly targets: ReadonlyArray<{ id: string; url: string }>,
    private readonly rate: number,
    private readonly timeoutMs = 5_000,
    private readonly keepMs = 300_000,
  ) {}

  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => this.tick(), 10);
  }

  /** Stops sending and waits for outstanding requests. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.outstanding > 0) await new Promise((r) => setTimeout(r, 10));
    if (!this.agent.closed) await this.agent.close();
  }

  /** Samples that started in [from, to). */
  between(from: number, to: number): Sample[] {
    return this.samples.filter((s) => s.t >= from && s.t < to);
  }

  private tick(): void {
    const now = performance.now();
    // If this process was starved for a while, do not fire the whole backlog at once: a burst
    // the real clients would never have sent distorts every number of the phase.
    this.credit = Math.min(this.credit + ((now - this.last) / 1000) * this.rate, Math.max(1, this.rate * 0.1));
    this.last = now;
    // Forget old samples in long interactive runs.
    if (this.samples.length > 0 && (this.samples[0] as Sample).t < Date.now() - this.keepMs) {
      const cut = this.samples.findIndex((s) => s.t >= Date.now() - this.keepMs);
      this.samples.splice(0, cut === -1 ? this.samples.length : cut);
    }
    while (this.credit >= 1) {
      this.credit -= 1;
      // one() records its own failures; the catch only keeps a bug from becoming an unhandled rejection.
      this.one().catch(() => undefined);
    }
  }

  private async one(): Promise<void> {
    const n = this.seq++;
    const target = this.targets[n % this.targets.length] as { id: string; url: string };
    const path = PATHS[Math.floor(n / this.targets.length) % PATHS.length] as string;
    const t = Date.now();
    const t0 = performance.now();
    this.outstanding += 1;
    let sample: Sample;
    try {
      const res = await fetch(`${target.url}${path}?n=${n}`, {
        signal: AbortSignal.timeout(this.timeoutMs),
        dispatcher: this.agent,
      });
      const body = await res.text();
      sample = {
        t,
        ms: performance.now() - t0,
        ok: res.status < 500,
        status: res.status,
        region: res.headers.get('x-region') ?? undefined,
        gateway: target.id,
        via: path,
      };
      if (!sample.ok) sample.code = errorCode(body, res.status);
    } catch (e) {
      sample = {
        t,
        ms: performance.now() - t0,
        ok: false,
        status: 0,
        region: undefined,
        gateway: target.id,
        via: path,
        code: e instanceof Error ? e.name : 'error',
      };
    } finally {
      this.outstanding -= 1;
    }
    this.samples.push(sample);
  }
}

function errorCode(body: string, status: number): string {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === 'string' ? code : `HTTP_${status}`;
  } catch {
    return `HTTP_${status}`;
  }
}
