export { resilienceLink, type ResilienceLinkOptions } from './resilience-link.js';
export { balancedLink, type BalancedLinkOptions, type EndpointConnection } from './balanced-link.js';
export { perProcedure, type PerProcedureOptions } from './per-procedure.js';
