import type { IncomingMessage, ServerResponse } from 'node:http';
import { register as globalRegistry, type Registry } from 'prom-client';

/**
 * A node:http request handler serving `registry` in the Prometheus text format. Mount it on a
 * path yourself or use it as the whole server: `http.createServer(metricsHandler(registry))`.
 * A failing collector answers 500 without the error details (they may name internals).
 */
export function metricsHandler(
  registry: Registry = globalRegistry,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('metrics collection failed\n');
      },
    );
  };
}
