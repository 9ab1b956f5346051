import { redactUrl as redactAnyUrl } from '@breakwater/core/internal';

// Redaction has one home, the core's http/redact.ts (issue 18.2); these are @breakwater/otel's names for it.
export { headerValue, isSensitiveParam, redactText, SENSITIVE_HEADERS } from '@breakwater/core/internal';

/**
 * A URL safe to record: user and password become `REDACTED:REDACTED`, secret query values
 * `REDACTED`. Relative URLs are resolved against `base` when given; unparseable input yields
 * undefined (better nothing than a leak).
 */
export function redactUrl(url: string, base?: string): string | undefined {
  return URL.canParse(url, base) ? redactAnyUrl(url, base) : undefined;
}
