import { ConfigError, NoHealthyEndpointError } from '../errors.js';
import type { LoadBalancer } from './types.js';
import { describeValue } from '../kernel/options.js';

/** One L7 route: every given condition must match. */
export interface Route {
  match: { pathPrefix?: string; method?: string; header?: Record<string, string | RegExp> };
  to: LoadBalancer;
}

/** The request facts an L7 route looks at. Header names are case-insensitive. */
export interface RouteRequest {
  path: string;
  method?: string;
  headers?: Record<string, string | undefined>;
}

/** An L7 router: `resolve()` returns the balancer for a request. */
export interface Router {
  /** Throws NoHealthyEndpointError (reason 'empty') when no route matches and there is no default. */
  resolve(req: RouteRequest): LoadBalancer;
}

interface CompiledRoute {
  pathPrefix: string | undefined;
  method: string | undefined;
  headers: Array<[string, string | RegExp]>;
  to: LoadBalancer;
}

/**
 * Per-request (L7) routing to different balancers by path prefix, method and headers, first match
 * wins — Envoy route tables in miniature. Routes are compiled once; resolve() allocates nothing.
 *
 * @example
 * const r = router({ routes: [{ match: { pathPrefix: '/api/orders', method: 'POST' }, to: writes },
 *                             { match: { header: { 'x-canary': 'true' } }, to: canary }], default: reads });
 * const lb = r.resolve({ path: req.url, method: req.method, headers: req.headers });
 */
export function router(o: { routes: Route[]; default?: LoadBalancer }): Router {
  if (typeof o !== 'object' || o === null || !Array.isArray(o.routes)) {
    throw new ConfigError('router.routes', `expected an array of { match, to }, got ${describeValue(o?.routes)}`);
  }
  if (o.default !== undefined && !isBalancer(o.default))
    throw new ConfigError('router.default', `expected a LoadBalancer, got ${describeValue(o.default)}`);
  const routes = o.routes.map((r, i) => compile(r, `router.routes[${i}]`));
  const fallback = o.default;
  return {
    resolve(req) {
      const path = req.path;
      const method = req.method?.toUpperCase();
      const headers = req.headers;
      for (const r of routes) {
        if (r.pathPrefix !== undefined && !path.startsWith(r.pathPrefix)) continue;
        if (r.method !== undefined && r.method !== method) continue;
        if (r.headers.length > 0 && !headersMatch(r.headers, headers)) continue;
        return r.to;
      }
      if (fallback !== undefined) return fallback;
      throw new NoHealthyEndpointError('empty', `no route matches ${method ?? 'GET'} ${path.split('?')[0]}`);
    },
  };
}

function headersMatch(
  wanted: Array<[string, string | RegExp]>,
  headers: Record<string, string | undefined> | undefined,
): boolean {
  if (headers === undefined) return false;
  for (const [name, expected] of wanted) {
    const value = headerValue(headers, name);
    if (value === undefined) return false;
    if (typeof expected === 'string' ? value !== expected : !expected.test(value)) return false;
  }
  return true;
}

function headerValue(headers: Record<string, string | undefined>, lowerName: string): string | undefined {
  const direct = headers[lowerName];
  if (direct !== undefined) return direct;
  for (const k in headers) if (k.toLowerCase() === lowerName) return headers[k];
  return undefined;
}

function compile(r: Route, path: string): CompiledRoute {
  if (typeof r !== 'object' || r === null)
    throw new ConfigError(path, `expected { match, to }, got ${describeValue(r)}`);
  if (!isBalancer(r.to)) throw new ConfigError(`${path}.to`, `expected a LoadBalancer, got ${describeValue(r.to)}`);
  const m = r.match ?? {};
  if (m.pathPrefix !== undefined && (typeof m.pathPrefix !== 'string' || !m.pathPrefix.startsWith('/'))) {
    throw new ConfigError(
      `${path}.match.pathPrefix`,
      `expected a path starting with '/', got ${describeValue(m.pathPrefix)}`,
    );
  }
  if (m.method !== undefined && (typeof m.method !== 'string' || !/^[A-Za-z]+$/.test(m.method))) {
    throw new ConfigError(`${path}.match.method`, `expected an HTTP method like 'GET', got ${describeValue(m.method)}`);
  }
  const headers: Array<[string, string | RegExp]> = [];
  for (const [name, v] of Object.entries(m.header ?? {})) {
    if (typeof v !== 'string' && !(v instanceof RegExp))
      throw new ConfigError(`${path}.match.header.${name}`, `expected a string or RegExp, got ${describeValue(v)}`);
    // A global/sticky RegExp keeps lastIndex between test() calls; drop those flags.
    headers.push([
      name.toLowerCase(),
      v instanceof RegExp && (v.global || v.sticky) ? new RegExp(v.source, v.flags.replace(/[gy]/g, '')) : v,
    ]);
  }
  return { pathPrefix: m.pathPrefix, method: m.method?.toUpperCase(), headers, to: r.to };
}

function isBalancer(x: unknown): x is LoadBalancer {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as LoadBalancer).pick === 'function' &&
    typeof (x as LoadBalancer).execute === 'function'
  );
}
