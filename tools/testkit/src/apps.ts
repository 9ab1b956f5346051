// Helpers for the demo apps' tests (hostile clients, fuzzing, app processes). A subpath of its
// own: it loads fast-check, which the demo's runtime use of the testkit root must not.
export { slowHeadersClient } from './slow-headers.js';
export {
  fuzzRequestArb,
  fuzzRequests,
  requestBytes,
  sendRaw,
  fire,
  spawnApp,
  type FuzzRequest,
  type AppProcess,
} from './app-fuzz.js';
