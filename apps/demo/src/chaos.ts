import type { ReplicaProc } from './cluster.js';

/** Applies chaos settings to one replica through its admin port. */
export async function setChaos(r: ReplicaProc, token: string, settings: Record<string, unknown>): Promise<unknown> {
  const res = await fetch(`${r.adminUrl}/chaos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(settings),
    signal: AbortSignal.timeout(3_000),
  });
  if (!res.ok) throw new Error(`chaos on ${r.id}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Replica counters (admin /stats); undefined when the admin port does not answer. */
export async function replicaStats(r: ReplicaProc): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await fetch(`${r.adminUrl}/stats`, { signal: AbortSignal.timeout(1_000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
