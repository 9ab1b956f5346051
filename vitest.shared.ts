import type { ViteUserConfig } from 'vitest/config';

/** Workspace packages resolve to their TypeScript sources (the `@breakwater/source` export condition). */
export const sourceConditions = ['@breakwater/source', 'node', 'import', 'module', 'default'];

export const shared: ViteUserConfig = {
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@breakwater/source'] } },
};
