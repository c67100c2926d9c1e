// The registry: every method and notification of the agent protocol, split by feature.
// This is the only list; the agent, front ends, schema generator and tests read it.
import type { AnyNotificationDef, AnyRequestDef } from './define.js';
import { accountNotifications, accountRequests } from './methods/account.js';
import { lifecycleNotifications, lifecycleRequests } from './methods/lifecycle.js';
import { projectRequests } from './methods/project.js';
import { sessionNotifications, sessionRequests } from './methods/session.js';

export const requests: readonly AnyRequestDef[] = [
  ...lifecycleRequests,
  ...accountRequests,
  ...projectRequests,
  ...sessionRequests,
];

export const notifications: readonly AnyNotificationDef[] = [
  ...lifecycleNotifications,
  ...accountNotifications,
  ...sessionNotifications,
];

export * from './define.js';
export * from './errors.js';
export * from './version.js';
export * from './methods/lifecycle.js';
export * from './methods/account.js';
export * from './methods/project.js';
export * from './methods/session.js';
