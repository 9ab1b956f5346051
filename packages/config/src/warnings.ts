import type { ConfigIssue } from './issues.js';

/**
 * Config warnings: things that load but are probably not what was meant (a bare number of
 * milliseconds that looks like seconds, YAML features that lose information). Schema transforms
 * run in two passes (see load.ts): in the first, `collecting` is true and they report warnings as
 * issues flagged with {@link WARNING}, so each warning gets the path zod knows; the second pass
 * builds the config with no warnings.
 */
export const WARNING = 'bwWarning';

let collecting = false;

/** True while the warning pass runs. */
export function collectingWarnings(): boolean {
  return collecting;
}

/** Runs `fn` with warning collection on. */
export function withWarnings<T>(fn: () => T): T {
  collecting = true;
  try {
    return fn();
  } finally {
    collecting = false;
  }
}

/** What `loadConfig` reports besides errors. */
export type ConfigWarning = ConfigIssue;

/** Default warning sink: one `process.emitWarning` per distinct warning per process. */
const emitted = new Set<string>();
export function emitConfigWarning(w: ConfigWarning): void {
  const text = `${w.path || '<root>'}: ${w.message}`;
  if (emitted.has(text)) return;
  emitted.add(text);
  process.emitWarning(`Breakwater config: ${text}`, { code: 'BW_CONFIG_WARNING' });
}
