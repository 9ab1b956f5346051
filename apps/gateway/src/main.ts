import { onShutdown } from '@breakwater/app-kit';
import { pino, destination as pinoDestination } from 'pino';
import { parseGatewayArgs } from './cli.js';
import { startGateway, type Gateway } from './gateway.js';
import { createBreakerStore, type SharedStore } from './store.js';
import { consoleTracer } from './tracing.js';

// Process entry:
// `node --conditions=@breakwater/source --import tsx apps/gateway/src/main.ts --replicas ... --regions eu,us`.
// Several comma-separated --id values run several pods in this process (they share one in-memory store
// unless --redis-url is given). Logs are pino JSON lines; each pod logs `{"event":"ready","url":...}`.
// Asynchronous writes: with a synchronous destination a slow reader of our stdout (a busy log
// shipper, a starved parent process) would stall the event loop, and with it every request.
const destination = pinoDestination({ dest: 1, sync: false });
const logger = pino({ base: { app: 'gateway' }, level: process.env['LOG_LEVEL'] ?? 'info' }, destination);

/**
 * Flushes the logs and exits. Never `flushSync()`: on a stdout nobody drains it retries forever;
 * a bounded asynchronous flush loses at most the last lines instead of hanging the process.
 */
function exit(code: number): void {
  setTimeout(() => process.exit(code), 500);
  destination.flush(() => process.exit(code));
}

async function main(): Promise<void> {
  const cfg = parseGatewayArgs(process.argv.slice(2));
  logger.level = cfg.logLevel;
  const tracing = cfg.otel ? consoleTracer('breakwater-gateway') : undefined;
  const stores: SharedStore[] = [];
  const memory =
    cfg.redisUrl === undefined
      ? createBreakerStore({ redisUrl: undefined, prefix: cfg.redisPrefix, instanceId: 'local', logger })
      : undefined;
  if (memory) {
    stores.push(memory);
    logger.warn(
      { event: 'store', kind: 'memory' },
      'no REDIS_URL: pods in this process share an in-memory breaker store (not shared with other processes)',
    );
  }
  const gateways: Gateway[] = [];
  for (const [i, id] of cfg.ids.entries()) {
    const log = logger.child({ gateway: id });
    const shared =
      memory ??
      createBreakerStore({
        redisUrl: cfg.redisUrl,
        prefix: cfg.redisPrefix,
        secret: cfg.redisSecret,
        instanceId: id,
        logger: log,
      });
    if (!memory) stores.push(shared);
    const gw = await startGateway({
      id,
      replicas: cfg.replicas,
      regions: cfg.regions,
      store: shared.store,
      storeKind: shared.kind,
      storeHealthy: shared.healthy,
      logger: log,
      token: cfg.token,
      host: cfg.host,
      port: cfg.ports[i] ?? 0,
      l4Port: cfg.l4Ports?.[i],
      tracer: tracing?.tracer,
      tuning: { healthIntervalMs: cfg.healthIntervalMs },
      server: cfg.server,
    });
    gateways.push(gw);
    log.info(
      { event: 'ready', id, url: gw.url, port: gw.port, l4Port: gw.l4Port, store: shared.kind },
      'gateway ready',
    );
  }

  onShutdown((reason) => {
    logger.info({ event: 'shutdown', reason }, 'shutting down');
    // Whatever happens below (a stuck close somewhere), the process leaves: 10 s drain + margin.
    setTimeout(() => {
      logger.error({ event: 'shutdown-timeout' }, 'shutdown took too long; exiting');
      exit(1);
    }, 20_000);
    // A dead parent (the demo) leaves nobody waiting for the answers in flight: drain for 1 s, not 10.
    const drainMs = reason === 'parent exited' ? 1000 : undefined;
    void (async () => {
      await Promise.all(gateways.map((g) => g.close(drainMs)));
      await Promise.all(stores.map((s) => s.close()));
      await tracing?.shutdown();
      logger.info({ event: 'exit', code: 0 }, 'bye');
      exit(0);
    })().catch((e: unknown) => {
      logger.error({ event: 'shutdown-failed', error: String(e) }, 'shutdown failed');
      exit(1);
    });
  });
}

main().catch((e: unknown) => {
  logger.fatal({ event: 'fatal', error: e instanceof Error ? e.message : String(e) }, 'gateway failed to start');
  exit(1);
});
