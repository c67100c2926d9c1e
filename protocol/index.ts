// The registry: every method and notification of the agent protocol, split by feature.
// This is the only list; the agent, front ends, schema generator and tests read it.
import type { AnyNotificationDef, AnyRequestDef } from './define.js';
import { accountNotifications, accountRequests } from './methods/account.js';
import { lifecycleNotifications, lifecycleRequests } from './methods/lifecycle.js';
import { projectRequests } from './methods/project.js';
import { sessionNotifications, sessionRequests } from './methods/session.js';
import { setupRequests } from './methods/setup.js';
import { aiNotifications, aiRequests } from './methods/ai.js';

/** The protocol by feature; `schemas/methods.json` records each method's group, so the agent can register
 *  every method at startup and build a group's zod declarations on its first call. */
export const groups = {
  lifecycle: { requests: lifecycleRequests, notifications: lifecycleNotifications },
  account: { requests: accountRequests, notifications: accountNotifications },
  project: { requests: projectRequests, notifications: [] },
  session: { requests: [...sessionRequests, ...aiRequests], notifications: [...sessionNotifications, ...aiNotifications] },
  setup: { requests: setupRequests, notifications: [] },
} as const satisfies Record<string, { requests: readonly AnyRequestDef[]; notifications: readonly AnyNotificationDef[] }>;

export const requests: readonly AnyRequestDef[] = Object.values(groups).flatMap((g): readonly AnyRequestDef[] => g.requests);
export const notifications: readonly AnyNotificationDef[] = Object.values(groups).flatMap((g): readonly AnyNotificationDef[] => g.notifications);

export * from './define.js';
export * from './errors.js';
export * from './version.js';
export * from './methods/lifecycle.js';
export * from './methods/account.js';
export * from './methods/project.js';
export * from './methods/session.js';
export * from './methods/setup.js';
export * from './methods/ai.js';
