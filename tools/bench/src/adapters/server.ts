import { createServer, type Server } from 'node:http';

/** The bench's upstream: node:http in this process, keep-alive, a 256-byte body for every request. */
export async function startBenchServer(): Promise<{ url: string; origin: string; close(): Promise<void> }> {
  const body = Buffer.alloc(256, 'x');
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/item`,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
