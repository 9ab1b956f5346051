import { ConfigError } from '@breakwater/core';

/** Faults a replica injects into its own traffic, set over its admin port. */
export interface ChaosSettings {
  /** Added to every request (service endpoints and /health), in ms. */
  latencyMs: number;
  /** Share of API requests (0..1) answered with HTTP 503. /health is not affected. */
  errorRate: number;
  /** Hard down: the service listener is closed and every open socket destroyed. */
  down: boolean;
  /** Requests are accepted but never answered until `hang` is cleared. */
  hang: boolean;
}

/** All faults off. */
export function noChaos(): ChaosSettings {
  return { latencyMs: 0, errorRate: 0, down: false, hang: false };
}

const KEYS: ReadonlyArray<keyof ChaosSettings> = ['latencyMs', 'errorRate', 'down', 'hang'];

/**
 * Validates a partial chaos update (a parsed JSON body) and merges it into `current`.
 * Throws ConfigError naming the field and the expected form; unknown keys are rejected so a
 * typo (`latency`) does not silently do nothing.
 */
export function mergeChaos(current: ChaosSettings, update: unknown): ChaosSettings {
  if (typeof update !== 'object' || update === null || Array.isArray(update)) {
    throw new ConfigError('chaos', `expected a JSON object like {"latencyMs":200}, got ${describe(update)}`);
  }
  const next = { ...current };
  for (const [key, value] of Object.entries(update as Record<string, unknown>)) {
    switch (key) {
      case 'latencyMs':
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 600_000) {
          throw new ConfigError(
            'chaos.latencyMs',
            `expected a number of ms between 0 and 600000, got ${describe(value)}`,
          );
        }
        next.latencyMs = value;
        break;
      case 'errorRate':
        if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
          throw new ConfigError('chaos.errorRate', `expected a number between 0 and 1, got ${describe(value)}`);
        }
        next.errorRate = value;
        break;
      case 'down':
      case 'hang':
        if (typeof value !== 'boolean')
          throw new ConfigError(`chaos.${key}`, `expected true or false, got ${describe(value)}`);
        next[key] = value;
        break;
      default:
        throw new ConfigError(`chaos.${key}`, `unknown chaos setting; expected one of ${KEYS.join(', ')}`);
    }
  }
  return next;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}
