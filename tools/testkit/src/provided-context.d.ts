// What global-setup.ts provides and vitest-redis.ts injects. Referenced from both, so every program
// that imports `@breakwater/testkit/vitest` sees the keys, not only this package's own typecheck.
import 'vitest';

declare module 'vitest' {
  interface ProvidedContext {
    redisUrl: string;
    redisError: string;
  }
}
