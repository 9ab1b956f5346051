import { ConfigError } from '../errors.js';
import type { Endpoint } from '../kernel/endpoint.js';
import { describeValue, checkObject, checkString, checkOptionalNumber, checkKnownKeys } from '../kernel/options.js';

/** Every key an endpoint accepts. */
const ENDPOINT_KEYS = ['id', 'url', 'weight', 'region', 'zone', 'maxConnections', 'backup', 'metadata'];
/** Names other balancers use for the same fields. */
const ENDPOINT_ALIASES = {
  address: 'url',
  host: 'url',
  name: 'id',
  maxConns: 'maxConnections',
  max_conns: 'maxConnections',
  maxSockets: 'maxConnections',
};

/** A URL for an error message with any `user:password@` masked (messages end up in logs). */
function redact(url: string): string {
  return JSON.stringify(url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#@]*@/i, '$1***@'));
}

/** True for an absolute URL with a scheme and a host (`http://10.0.0.1:8080`, `https://api.example.com/v1`). */
function isAbsoluteUrl(url: string): boolean {
  try {
    return new URL(url).host !== '';
  } catch {
    return false;
  }
}

/**
 * Validates an endpoint list: ids unique non-empty strings, absolute URLs, sane weights and limits,
 * no unknown keys. Errors name the index and the id (`loadBalancer.endpoints[2].url: endpoint "b": …`).
 */
export function validateEndpoints(path: string, endpoints: unknown): asserts endpoints is Endpoint[] {
  if (!Array.isArray(endpoints))
    throw new ConfigError(path, `expected an array of endpoints {id, url}, got ${describeValue(endpoints)}`);
  const seen = new Set<string>();
  endpoints.forEach((e: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      throw new ConfigError(at, `expected an endpoint {id, url}, got ${describeValue(e)}`);
    const ep = e as Partial<Endpoint>;
    checkString(`${at}.id`, ep.id);
    if (ep.id === undefined) throw new ConfigError(`${at}.id`, 'expected a non-empty string, got undefined');
    if (seen.has(ep.id))
      throw new ConfigError(`${at}.id`, `expected a unique id, got duplicate ${describeValue(ep.id)}`);
    seen.add(ep.id);
    const named = `endpoint ${JSON.stringify(ep.id)}`;
    try {
      checkKnownKeys(at, ep, ENDPOINT_KEYS, ENDPOINT_ALIASES);
    } catch (err) {
      if (err instanceof ConfigError)
        throw new ConfigError(err.path, `${named}: ${err.message.replace(/^[^:]*: /, '')}`);
      throw err;
    }
    if (typeof ep.url !== 'string')
      throw new ConfigError(
        `${at}.url`,
        `${named}: expected an absolute URL like "http://10.0.0.1:8080", got ${describeValue(ep.url)}`,
      );
    if (!isAbsoluteUrl(ep.url)) {
      throw new ConfigError(
        `${at}.url`,
        `${named}: expected an absolute URL like "http://10.0.0.1:8080", got ${redact(ep.url)}`,
      );
    }
    if (ep.weight !== undefined && !(typeof ep.weight === 'number' && Number.isFinite(ep.weight) && ep.weight > 0)) {
      throw new ConfigError(
        `${at}.weight`,
        `${named}: expected a number > 0 (default 1), got ${describeValue(ep.weight)}`,
      );
    }
    checkOptionalNumber(`${at}.maxConnections`, ep.maxConnections, { min: 1, integer: true });
    checkString(`${at}.region`, ep.region);
    checkString(`${at}.zone`, ep.zone);
    if (ep.backup !== undefined && typeof ep.backup !== 'boolean')
      throw new ConfigError(`${at}.backup`, `expected a boolean, got ${describeValue(ep.backup)}`);
    checkObject(`${at}.metadata`, ep.metadata, true);
  });
}
