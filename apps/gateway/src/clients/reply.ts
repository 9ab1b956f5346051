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
export function endpointResolver(endpoints: ReadonlyArray<Endpoint>): (calledUrl: string | undefined) => Endpoint | undefined {
  const parsed = endpoints.flatMap((ep) => {
    try {
      const u = new URL(ep.url);
      return [{ ep, origin: u.origin, path: u.pathname.replace(/\/$/, '') }];
    } catch {
      return [];
    }
  }).sort((a, b) => b.path.length - a.path.length);
  return (calledUrl) => {
    if (typeof calledUrl !== 'string') return undefined;
    let u: URL;
    try {
      u = new URL(calledUrl);
    } catch {
      return undefined;
    }
    return parsed.find((p) => p.origin === u.origin && (u.pathname === p.path || u.pathname.startsWith(`${p.path}/`)))?.ep;
  };
}
