import { parseReplicaArgs } from './cli.js';
import { startReplica } from './server.js';
import { onShutdown } from '@breakwater/app-kit';

// Process entry: `node --conditions=@breakwater/source --import tsx apps/replica/src/main.ts --id eu-1 --region eu`.
// Prints one JSON line `{"event":"ready",...}` that the demo (and humans) read; logs are JSON lines.
const log = (obj: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ time: Date.now(), app: 'replica', ...obj })}\n`);
};

try {
  const cfg = parseReplicaArgs(process.argv.slice(2));
  const replica = await startReplica(cfg);
  log({
    event: 'ready',
    id: replica.id,
    region: replica.region,
    url: replica.url,
    adminUrl: replica.adminUrl,
    port: replica.port,
    adminPort: replica.adminPort,
  });
  if (cfg.tokenGenerated)
    log({ event: 'token', msg: 'CHAOS_TOKEN unset; chaos controls use a random token', token: cfg.token });
  onShutdown((signal) => {
    log({ event: 'stopping', signal });
    // Leave even if closing gets stuck somewhere.
    setTimeout(() => process.exit(1), 10_000).unref();
    void replica.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
} catch (e) {
  log({ event: 'fatal', error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
