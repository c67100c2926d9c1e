// The registry: every method and notification of the agent protocol, split by feature.
// This is the only list; the agent, front ends, schema generator and tests read it.
import type { AnyNotificationDef, AnyRequestDef } from './define.js';
import { lifecycleNotifications, lifecycleRequests } from './methods/lifecycle.js';

export const requests: readonly AnyRequestDef[] = [
  ...lifecycleRequests,
];

export const notifications: readonly AnyNotificationDef[] = [
  ...lifecycleNotifications,
];

export * from './define.js';
export * from './errors.js';
export * from './version.js';
export * from './methods/lifecycle.js';
