import { Redis } from 'ioredis';

/** One command seen by MONITOR. */
export interface MonitoredCommand {
  source: string;
  args: string[];
}

/**
 * Records every command the server executes (MONITOR) on a dedicated connection. Only for test
 * servers we spawn: MONITOR is expensive and sees everyone's traffic.
 */
export async function startMonitor(port: number): Promise<{ commands: MonitoredCommand[]; stop(): Promise<void> }> {
  // Never reconnect: ioredis cannot resume MONITOR mode on a new connection (its parser throws).
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => undefined);
  await client.connect();
  const monitor = await client.monitor();
  const commands: MonitoredCommand[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    commands.push({ source, args: args.map(String) });
  });
  return {
    commands,
    async stop() {
      monitor.disconnect();
      client.disconnect();
    },
  };
}

/** `addr → name` for every client connected now (CLIENT LIST). */
export async function clientNames(admin: Redis): Promise<Map<string, string>> {
  const list = (await admin.call('CLIENT', 'LIST')) as string;
  const map = new Map<string, string>();
  for (const line of list.split('\n')) {
    const addr = /(?:^| )addr=(\S+)/.exec(line)?.[1];
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1];
    if (addr) map.set(addr, name ?? '');
  }
  return map;
}

/** Turns a Redis glob (KEYS/SCAN MATCH/PSUBSCRIBE) into a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\' && i + 1 < glob.length) re += glob[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += glob.slice(i, end + 1).replace(/^\[\^?/, (m) => (m === '[^' ? '[^' : '['));
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
