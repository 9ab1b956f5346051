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

/**
 * Two origins for redirect tests: endpoint A redirects `/go` to origin B (302, or `status`) and
 * `/same` to its own `/here`; B answers `B <method> <url> auth=<authorization> cookie=<cookie>`.
 */
export async function redirectingOrigins(status = 302): Promise<{ a: TestHttpServer; b: TestHttpServer }> {
  const b = await testHttpServer((req, res) => {
    res.end(`B ${req.method} ${req.url} auth=${req.headers.authorization ?? '-'} cookie=${req.headers.cookie ?? '-'}`);
  });
  const a = await testHttpServer((req, res) => {
    if (req.url === '/go') {
      res.writeHead(status, { location: `${b.url}/there` });
      res.end('A redirects');
      return;
    }
    if (req.url === '/same') {
      res.writeHead(302, { location: '/here' });
      res.end();
      return;
    }
    res.end(`A ${req.url} auth=${req.headers.authorization ?? '-'}`);
  });
  return { a, b };
}
