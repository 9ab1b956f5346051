export { parseTarget, type RequestTarget } from './target.js';
export { safeHandler, sendError, type AppHandler } from './handler.js';
export { hasToken, readCookie } from './token.js';
export { readBody, parseJson, BodyTooLargeError } from './body.js';
export { onShutdown, type ShutdownSource } from './shutdown.js';
export {
  defaultServerLimits,
  resolveServerLimits,
  createLimitedServer,
  serverLimitFlags,
  serverLimitsFromFlags,
  type ServerLimits,
} from './server-limits.js';
export { redactText, redactDeep } from './redact.js';
export { allowedHosts, hostAllowed, originAllowed } from './host.js';
export { parseTraceParent, childTraceParent, newSpanId, newTraceId, type TraceParent } from './trace.js';
