export { startReplica, type Replica, type ReplicaOptions, type ReplicaStats } from './server.js';
export { mergeChaos, noChaos, type ChaosSettings } from './chaos.js';
export { replicaRouter, type ReplicaRouter, type WorkResult, type ReplicaContext } from './router.js';
export { replicaFlags, parseReplicaArgs, type ReplicaCliConfig } from './cli.js';
