import net from 'node:net';

interface Pipe {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  /** Sent SUBSCRIBE: a pub/sub connection, whose messages are never held. */
  subscriber: boolean;
  readonly held: Buffer[];
}

/**
 * A TCP proxy in front of Redis whose reply path can be held: commands reach Redis at once and
 * execute in order, but their replies wait until `release()`. Pub/sub connections pass freely, so a
 * test can order "executed in Redis" and "answered to the store" deterministically.
 */
export class ReplyGate {
  private readonly pipes = new Set<Pipe>();
  private holding = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Starts a gate in front of `target` (a redis:// URL) on a free port. */
  static async start(target: string): Promise<ReplyGate> {
    const { hostname, port } = new URL(target);
    let gate: ReplyGate | undefined;
    const server = net.createServer((client) => gate?.connect(client, hostname, Number(port) || 6379));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    gate = new ReplyGate(server, address.port);
    return gate;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Reply chunks held so far (a command that executed and has not been answered shows up here). */
  get heldChunks(): number {
    let n = 0;
    for (const p of this.pipes) n += p.held.length;
    return n;
  }

  hold(): void {
    this.holding = true;
  }

  /** Delivers every held reply, in order, and lets replies through again. */
  release(): void {
    this.holding = false;
    for (const p of this.pipes) for (const chunk of p.held.splice(0)) p.client.write(chunk);
  }

  async close(): Promise<void> {
    for (const p of this.pipes) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connect(client: net.Socket, host: string, port: number): void {
    const upstream = net.connect(port, host);
    const pipe: Pipe = { client, upstream, subscriber: false, held: [] };
    this.pipes.add(pipe);
    client.on('data', (d: Buffer) => {
      if (!pipe.subscriber && /subscribe/i.test(d.toString('latin1'))) pipe.subscriber = true;
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (this.holding && !pipe.subscriber) pipe.held.push(d);
      else client.write(d);
    });
    const end = (): void => {
      this.pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }
}
