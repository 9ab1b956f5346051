import { Agent, fetch } from 'undici';

/** A breaker transition as a gateway reported it over SSE. */
export interface BreakerEvent {
  gateway: string;
  name: string;
  from: string;
  to: string;
  reason: string;
  /** When the transition happened (the gateway's clock). */
  at: number;
  /** When the gateway's breaker saw it (for remote adoptions: when the news arrived). */
  seenAt: number;
  remote: boolean;
}

/** A balancer's region switch as a gateway reported it. */
export interface RegionEvent {
  gateway: string;
  from: string | undefined;
  to: string | undefined;
  at: number;
}

/** The latest `state` snapshot of a gateway plus every breaker and region event it sent. */
export interface GatewayWatch {
  readonly id: string;
  latest: Record<string, unknown> | undefined;
  readonly events: BreakerEvent[];
  readonly regionEvents: RegionEvent[];
  close(): void;
}

/**
 * Follows a gateway's `/events` stream (Server-Sent Events) and keeps what it says. Reconnects
 * if the stream drops while the gateway is still expected to be up.
 */
export function watchGateway(
  id: string,
  url: string,
  onEvent?: (e: BreakerEvent) => void,
  onAny?: (event: string, data: Record<string, unknown>) => void,
  token?: string,
): GatewayWatch {
  const agent = new Agent({ bodyTimeout: 0 });
  const ac = new AbortController();
  const w: GatewayWatch = {
    id,
    latest: undefined,
    events: [],
    regionEvents: [],
    close: () => {
      ac.abort();
      void agent.close().catch(() => undefined);
    },
  };
  const handle = (event: string, data: string): void => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof parsed === 'object' && parsed !== null) onAny?.(event, parsed as Record<string, unknown>);
    if (event === 'state') w.latest = parsed as Record<string, unknown>;
    else if (event === 'regionChange') w.regionEvents.push(parsed as RegionEvent);
    else if (event === 'breaker') {
      const e = parsed as BreakerEvent;
      w.events.push(e);
      // Transitions arrive at once, snapshots twice a second: keep the view of endpoint breakers current.
      const breakers = w.latest?.['breakers'] as Record<string, string> | undefined;
      if (breakers !== undefined && e.name.startsWith('replicas/')) breakers[e.name.slice('replicas/'.length)] = e.to;
      onEvent?.(e);
    }
  };
  (async () => {
    while (!ac.signal.aborted) {
      try {
        // The token: a gateway bound beyond loopback (HOST=0.0.0.0) guards /events with it.
        const res = await fetch(`${url}/events`, {
          signal: ac.signal,
          dispatcher: agent,
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        });
        if (!res.body) throw new Error('no body');
        const decoder = new TextDecoder();
        let buf = '';
        for await (const chunk of res.body) {
          buf += decoder.decode(chunk as Uint8Array, { stream: true });
          let idx: number;
          while ((idx = buf.indexOf('\n\n')) !== -1) {
            const frame = buf.slice(0, idx);
            buf = buf.slice(idx + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of frame.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length > 0) handle(event, data.join('\n'));
          }
        }
      } catch {
        // stream dropped or gateway restarting
      }
      if (!ac.signal.aborted) await new Promise((r) => setTimeout(r, 250));
    }
  })().catch(() => undefined);
  return w;
}
