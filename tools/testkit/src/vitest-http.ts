import { onTestFinished } from 'vitest';
import { startTestHttpServer, type TestHandler, type TestHttpServer } from './http-server.js';

/**
 * {@link startTestHttpServer} for the running vitest test: the server is closed when the test
 * finishes, passed or failed, so a failing assertion leaves no listening socket behind.
 */
export async function testHttpServer(handler?: TestHandler): Promise<TestHttpServer> {
  const server = await startTestHttpServer(handler);
  onTestFinished(() => server.close());
  return server;
}
