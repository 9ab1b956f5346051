/**
 * Redaction of secrets before anything reaches a message, a log, a span, an event or a metric: URL
 * credentials (`REDACTED:REDACTED`, as the HTTP semantic conventions ask for `url.full`),
 * secret-looking query parameters, bearer tokens in messages, and credential headers. One home for
 * the adapters and @breakwater/otel (issue 18.2).
 */

/** Headers whose values are never recorded. */
export const SENSITIVE_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-csrf-token',
  'x-amz-security-token',
]);

/** Query parameters whose values are replaced by `REDACTED`. */
const SENSITIVE_PARAM = new RegExp(
  [
    '^(?:.*token|.*secret|api[-_]?key|apikey|key|pass(?:word|wd)?|pwd|sig|signature',
    '|x-amz-(?:signature|credential|security-token)|x-goog-(?:signature|credential)',
    '|auth(?:orization)?|session(?:[-_]?id)?|code|credentials?)$',
  ].join(''),
  'i',
);

/** True when a query parameter's value must not be recorded. */
export function isSensitiveParam(name: string): boolean {
  return SENSITIVE_PARAM.test(name);
}

function redactQuery(search: string): string {
  if (search.length <= 1) return search;
  return `?${search
    .slice(1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // keep the raw name
      }
      return isSensitiveParam(name) ? `${pair.slice(0, eq)}=REDACTED` : pair;
    })
    .join('&')}`;
}

/**
 * A URL safe to record or put in a message: user and password become `REDACTED:REDACTED`, secret
 * query values `REDACTED`, the fragment is dropped. Relative URLs are resolved against `base` when
 * given. Unparseable input (a relative URL without `base`) is redacted as text ({@link redactText}).
 * Never throws. The one URL redaction of Breakwater (adapters' messages, OpenTelemetry attributes).
 */
export function redactUrl(url: string, base?: string): string {
  let u: URL;
  try {
    u = base === undefined ? new URL(url) : new URL(url, base);
  } catch {
    // Also `//user:pass@host` without a scheme (protocol-relative, or text around the URL).
    return redactText(url).replace(/\/\/[^/@\s]*@/g, '//REDACTED:REDACTED@');
  }
  const auth = u.username !== '' || u.password !== '' ? 'REDACTED:REDACTED@' : '';
  return `${u.protocol}//${auth}${u.host}${u.pathname}${redactQuery(u.search)}`;
}

/** Redacts credentials and tokens inside free text (error messages and stacks). */
export function redactText(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1REDACTED:REDACTED@')
    .replace(/([?&;])([^=&\s#]+)=([^&\s#"']*)/g, (m, sep: string, name: string) =>
      isSensitiveParam(name) ? `${sep}${name}=REDACTED` : m,
    )
    .replace(/\b(Bearer|Basic|Digest)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 REDACTED');
}

/** The value to record for header `name`: `REDACTED` for credential headers. */
export function headerValue(name: string, value: string | readonly string[]): string | string[] {
  if (SENSITIVE_HEADERS.has(name.toLowerCase())) return 'REDACTED';
  return typeof value === 'string' ? value : [...value];
}
