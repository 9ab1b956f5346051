import { parseArgs } from 'node:util';
import { killAllChildren } from './children.js';
import { runDemo } from './run.js';

// `npm run demo [-- --ci] [--json] [--interactive] [--rate N] [--port N]`.
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    ci: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    interactive: { type: 'boolean', default: false },
    rate: { type: 'string', default: '150' },
    port: { type: 'string', default: process.env['DASHBOARD_PORT'] ?? '0' },
  },
  strict: true,
});
const rate = Number(values.rate);
const port = Number(values.port);
if (!(rate > 0 && rate <= 5_000)) {
  process.stderr.write(`--rate: expected requests per second between 1 and 5000, got ${JSON.stringify(values.rate)}\n`);
  process.exit(2);
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port: expected an integer port 0..65535, got ${JSON.stringify(values.port)}\n`);
  process.exit(2);
}

const ac = new AbortController();
let signals = 0;
const onSignal = (sig: NodeJS.Signals): void => {
  signals += 1;
  if (signals > 1) {
    // Second Ctrl-C: stop waiting for a graceful shutdown.
    killAllChildren();
    process.exit(130);
  }
  process.stderr.write(`\n${sig}: stopping everything…\n`);
  ac.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const print = (text: string): void => {
  (values.json ? process.stderr : process.stdout).write(`${text}\n`);
};

try {
  const summary = await runDemo({
    ci: values.ci,
    interactive: values.interactive,
    rate,
    host: process.env['HOST'] ?? '127.0.0.1',
    dashboardPort: port,
    dashboardPublicHosts: process.env['DASHBOARD_PUBLIC_HOSTS']
      ?.split(',')
      .map((h) => h.trim())
      .filter((h) => h !== ''),
    print,
    signal: ac.signal,
  });
  if (summary && values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = 0;
} catch (e) {
  process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
} finally {
  killAllChildren();
}
