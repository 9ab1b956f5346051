import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { onShutdown, type ShutdownSource } from './shutdown.js';

function fakeProcess(env: NodeJS.ProcessEnv): { source: ShutdownSource; signals: EventEmitter; stdin: PassThrough } {
  const signals = new EventEmitter();
  const stdin = new PassThrough();
  return { source: { on: (e, l) => signals.on(e, l), env, stdin }, signals, stdin };
}

describe('onShutdown', () => {
  it('stops once, on the first signal', () => {
    const p = fakeProcess({});
    const reasons: string[] = [];
    onShutdown((r) => reasons.push(r), p.source);
    p.signals.emit('SIGINT');
    p.signals.emit('SIGTERM');
    p.signals.emit('SIGINT');
    expect(reasons).toEqual(['SIGINT']);
  });

  it('with BW_EXIT_WITH_PARENT=1, stops when the parent pipe ends', async () => {
    const p = fakeProcess({ BW_EXIT_WITH_PARENT: '1' });
    const reasons: string[] = [];
    onShutdown((r) => reasons.push(r), p.source);
    p.stdin.end();
    await new Promise((r) => p.stdin.once('end', r));
    p.signals.emit('SIGTERM');
    expect(reasons).toEqual(['parent exited']);
  });

  it('without it, leaves stdin alone', () => {
    const p = fakeProcess({});
    onShutdown(() => undefined, p.source);
    expect(p.stdin.listenerCount('end') + p.stdin.listenerCount('error')).toBe(0);
  });
});
