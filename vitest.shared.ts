import type { ViteUserConfig } from 'vitest/config';

/**
 * Workspace packages resolve to their TypeScript sources (the `@breakwater/source` export condition).
 * No bundler-only 'module' condition: vitest passes these conditions to Node (--conditions), and
 * with 'module' Node's own require() picks bundler builds it cannot load (@opentelemetry/api's
 * build/esm, required by prom-client).
 */
export const sourceConditions = ['@breakwater/source', 'node', 'import', 'default'];

export const shared: ViteUserConfig = {
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@breakwater/source'] } },
};
