// The testkit declares these in its global-setup module, which this package's typecheck does not load.
import 'vitest';

declare module 'vitest' {
  interface ProvidedContext {
    redisUrl: string;
    redisError: string;
  }
}
