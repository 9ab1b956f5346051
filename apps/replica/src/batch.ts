/**
 * Why a tRPC request carries too many procedures, or undefined when it is within `max`. tRPC's
 * own `maxBatchSize` answers a bare 400 "Batch call exceeds maximum size"; this check runs first
 * and says what the limit is (413), before any input is parsed.
 */
export function batchTooLarge(path: string, query: URLSearchParams, max: number): string | undefined {
  if (query.get('batch') !== '1') return undefined;
  const procedures = path.slice('/trpc/'.length).split(',').length;
  return procedures > max
    ? `tRPC batch of ${procedures} procedures exceeds the limit of ${max} per request; ` +
        'split the batch (httpBatchLink maxItems)'
    : undefined;
}
