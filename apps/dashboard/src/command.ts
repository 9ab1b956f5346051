import { ConfigError } from '@breakwater/core';
import type { ChaosCommand } from './types.js';

const TARGETS = ['replica', 'region'] as const;
const ACTIONS = ['kill', 'revive', 'slow', 'errors', 'hang', 'reset'] as const;

/** Parses and validates a chaos command body (`{"target":"replica","id":"eu-1","action":"kill"}`). */
export function parseChaosCommand(text: string): ChaosCommand {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ConfigError(
      'chaos',
      'expected a JSON object like {"target":"replica","id":"eu-1","action":"kill"}, got invalid JSON',
    );
  }
  if (typeof v !== 'object' || v === null) throw new ConfigError('chaos', `expected a JSON object, got ${String(v)}`);
  const o = v as Record<string, unknown>;
  if (!TARGETS.includes(o['target'] as never))
    throw new ConfigError('chaos.target', `expected one of ${TARGETS.join(', ')}, got ${JSON.stringify(o['target'])}`);
  if (typeof o['id'] !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(o['id']))
    throw new ConfigError('chaos.id', `expected an id like "eu-1", got ${JSON.stringify(o['id'])}`);
  if (!ACTIONS.includes(o['action'] as never))
    throw new ConfigError('chaos.action', `expected one of ${ACTIONS.join(', ')}, got ${JSON.stringify(o['action'])}`);
  return { target: o['target'] as ChaosCommand['target'], id: o['id'], action: o['action'] as ChaosCommand['action'] };
}

/** The replica chaos settings a dashboard action stands for. */
export function chaosSettingsFor(action: ChaosCommand['action']): Record<string, unknown> {
  switch (action) {
    case 'kill':
      return { down: true };
    case 'revive':
      return { down: false, hang: false };
    case 'slow':
      return { latencyMs: 400 };
    case 'errors':
      return { errorRate: 0.5 };
    case 'hang':
      return { hang: true };
    case 'reset':
      return { latencyMs: 0, errorRate: 0, down: false, hang: false };
  }
}
