/// <reference path="./provided-context.d.ts" />
// vitest setup file (every test file): after the file's own hooks, delete the Redis keys under
// every prefix uniquePrefix() handed out in it, so `npm test` leaves the developer's Redis as it
// found it even when a test forgets (global-setup.ts fails the run if anything is left after that).
import { afterAll, inject } from 'vitest';
import { issuedPrefixes } from './ports.js';
import { deletePrefixedKeys } from './redis-keys.js';

afterAll(async () => {
  const prefixes = issuedPrefixes();
  const url = inject('redisUrl');
  if (prefixes.size === 0 || !url) return;
  try {
    await deletePrefixedKeys(url, prefixes);
  } catch {
    // Redis gone (a test stopped it, or it was never there): nothing of ours to delete there.
  } finally {
    prefixes.clear();
  }
});
