import type { Endpoint } from '@breakwater/core';

/** What an upstream call produced, whatever the adapter. */
export interface UpstreamReply {
  status: number;
  /**
   * The configured endpoint that served the call, found from the URL the adapter actually called
   * (never from what the upstream says about itself); undefined when it cannot be told.
   */
  endpoint: Endpoint | undefined;
  body: string;
}

/** Finds the configured endpoint a called URL belongs to: same origin, longest path prefix. Never throws. */
export function endpointResolver(
  endpoints: ReadonlyArray<Endpoint>,
): (calledUrl: string | undefined) => Endpoint | undefined {
  const parsed = endpoints
    .flatMap((ep) => {
      try {
        const u = new URL(ep.url);
        return [{ ep, origin: u.origin, path: u.pathname.replace(/\/$/, '') }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => b.path.length - a.path.length);
  return (calledUrl) => {
    if (typeof calledUrl !== 'string') return undefined;
    let u: URL;
    try {
      u = new URL(calledUrl);
    } catch {
      return undefined;
    }
    return parsed.find((p) => p.origin === u.origin && (u.pathname === p.path || u.pathname.startsWith(`${p.path}/`)))
      ?.ep;
  };
}

/** Largest upstream body the gateway relays (bytes); a bigger one fails the call (502) instead of filling memory. */
export const MAX_UPSTREAM_BODY_BYTES = 1_048_576;

/** Reads a fetch Response body as text, giving up (and cancelling the stream) past `limit` bytes. */
export async function boundedText(res: Response, limit = MAX_UPSTREAM_BODY_BYTES): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`upstream body larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
