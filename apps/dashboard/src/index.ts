export { startDashboard, type Dashboard, type DashboardOptions } from './server.js';
export { resolveStatic, type PathRejection } from './safe-path.js';
export { parseChaosCommand, chaosSettingsFor } from './command.js';
export type {
  DashboardState,
  DashboardReplica,
  DashboardGateway,
  TrafficPoint,
  ChaosCommand,
  TimelineEvent,
} from './types.js';
