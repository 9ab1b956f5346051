export { resilienceLink, type ResilienceLinkOptions } from './resilience-link.js';
export { balancedLink, type BalancedLinkOptions } from './balanced-link.js';
