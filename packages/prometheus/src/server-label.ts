/**
 * Label values must never carry secrets. Endpoint ids are usually `host:port`, but an id that is
 * a URL may hold credentials or a token in its query; those parts are dropped.
 */
export function safeLabel(value: string): string {
  if (!value.includes('://')) return value;
  try {
    const u = new URL(value);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return value.replace(/\/\/[^/@]*@/, '//');
  }
}
