export { startReplica, type Replica, type ReplicaOptions, type ReplicaStats } from './server.js';
export { mergeChaos, noChaos, type ChaosSettings } from './chaos.js';
export { replicaRouter, type ReplicaRouter, type WorkResult, type ReplicaContext } from './router.js';
export { hasToken } from './token.js';
export { readBody, parseJson, BodyTooLargeError } from './body.js';
export { replicaFlags, parseReplicaArgs, type ReplicaCliConfig } from './cli.js';
export { onShutdown, type ShutdownSource } from './shutdown.js';
