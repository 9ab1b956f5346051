import { startDashboard } from '../src/server.js';

// A dashboard process for the fuzz test: fixed state, chaos commands accepted and dropped.
const dash = await startDashboard({
  token: 'fuzz-token-0123456789',
  state: () => ({
    title: 'fuzz',
    regions: ['eu'],
    replicas: [{ id: 'eu-1', region: 'eu' }],
    gateways: [],
    traffic: [],
    errorRate: 0,
  }),
  chaos: async () => 'ok',
});
process.stdout.write(`${JSON.stringify({ event: 'ready', url: dash.url, port: dash.port })}\n`);
process.on('SIGTERM', () => void dash.close().then(() => process.exit(0)));
