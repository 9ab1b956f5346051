import type { ServerResponse } from 'node:http';

/**
 * Server-sent events to any number of subscribers. Slow subscribers are dropped rather than
 * buffered without bound (a dashboard tab left open must not grow the gateway's memory).
 */
export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(heartbeatMs = 15_000) {
    this.heartbeat = setInterval(() => this.writeAll(': keep-alive\n\n'), heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over `res` as an event stream; `first` events are sent to this subscriber only. */
  subscribe(res: ServerResponse, first: Array<{ event: string; data: unknown }>): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    for (const e of first) res.write(frame(e.event, e.data));
    this.clients.add(res);
    res.once('close', () => this.clients.delete(res));
  }

  publish(event: string, data: unknown): void {
    if (this.clients.size > 0) this.writeAll(frame(event, data));
  }

  /** Ends every stream (graceful shutdown: open streams would keep the server from closing). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private writeAll(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > 1_000_000) {
        res.destroy();
        this.clients.delete(res);
      } else res.write(text);
    }
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
