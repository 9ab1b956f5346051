/** What {@link onShutdown} listens on: `process`, or a stand-in in tests. */
export interface ShutdownSource {
  on(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: { on(event: 'end' | 'error', listener: () => void): unknown; resume(): unknown };
}

/**
 * Calls `stop(reason)` once, on the first of SIGTERM, SIGINT and — when the process was started by
 * the demo with a stdin pipe (`BW_EXIT_WITH_PARENT=1`) — the end of that pipe: when the demo dies,
 * even by SIGKILL, the pipe closes and we leave too. Later signals are ignored, since the first
 * stop is already under way. Shared by the replica and gateway processes.
 */
export function onShutdown(stop: (reason: string) => void, source: ShutdownSource = process): void {
  let stopping = false;
  const once = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    stop(reason);
  };
  source.on('SIGTERM', () => once('SIGTERM'));
  source.on('SIGINT', () => once('SIGINT'));
  if (source.env['BW_EXIT_WITH_PARENT'] === '1') {
    source.stdin.on('end', () => once('parent exited'));
    source.stdin.on('error', () => once('parent exited'));
    source.stdin.resume();
  }
}
