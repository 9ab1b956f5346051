/**
 * Polls `cond` every `intervalMs` until it holds; rejects after `timeoutMs` naming `what`.
 * For integration tests that wait on another process or socket (a server seeing a close).
 */
export async function waitFor(
  cond: () => boolean,
  o: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const end = Date.now() + (o.timeoutMs ?? 3000);
  while (!cond()) {
    if (Date.now() > end) throw new Error(`waitFor: ${o.what ?? 'condition'} not met within ${o.timeoutMs ?? 3000}ms`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 10));
  }
}
