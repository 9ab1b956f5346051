import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseTarget, type RequestTarget } from './target.js';

/** What a request handler may return: nothing, or a promise of nothing. */
export type AppHandler = (req: IncomingMessage, res: ServerResponse, target: RequestTarget) => void | Promise<void>;

/**
 * Wraps an app's request handler so that no request can end the process: the target is parsed
 * without throwing (400 for anything that is not origin form), a synchronous throw or a rejected
 * promise becomes a 500 (or a destroyed socket when the response had started), and `onError`
 * hears about it (to log it). The wrapped handler itself never throws.
 */
export function safeHandler(
  handler: AppHandler,
  onError: (e: unknown, req: IncomingMessage) => void = () => undefined,
): (req: IncomingMessage, res: ServerResponse) => void {
  const fail = (e: unknown, req: IncomingMessage, res: ServerResponse): void => {
    try {
      onError(e, req);
    } catch {
      // a throwing logger must not turn into the crash this wrapper exists to prevent
    }
    sendError(res, 500, 'internal error');
  };
  return (req, res) => {
    try {
      const target = parseTarget(req.url);
      if (target === undefined) {
        sendError(res, 400, 'bad request target: expected a path like /health');
        return;
      }
      const out = handler(req, res, target);
      if (out !== undefined && typeof (out as Promise<void>).then === 'function')
        (out as Promise<void>).then(undefined, (e: unknown) => fail(e, req, res));
    } catch (e) {
      fail(e, req, res);
    }
  };
}

/**
 * Sends a small JSON error unless the response already started (then the socket is cut, the
 * only honest thing left). Never throws and never sends twice.
 */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  try {
    if (res.headersSent || res.writableEnded || res.destroyed) {
      if (!res.writableEnded) res.destroy();
      return;
    }
    const text = JSON.stringify({ error: message, ...extra });
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(text);
  } catch {
    res.destroy();
  }
}
