// Builds every service once; routes, sockets and the web pages receive this object.
import { Accounts } from './account/service.js';
import { DeviceFlow } from './auth/device.js';
import { Authenticator } from './auth/principal.js';
import { RateLimiter } from './auth/ratelimit.js';
import { Sessions } from './auth/sessions.js';
import { SignInGuard } from './auth/signin-guard.js';
import { Tokens } from './auth/tokens.js';
import { Billing } from './billing.js';
import type { Config } from './config.js';
import { Store } from './db.js';
import { Idempotency } from './idempotency.js';
import { Projects } from './projects/service.js';
import { Snapshots } from './projects/snapshots.js';
import { Actions } from './tasks/actions.js';
import { AiHandoff } from './tasks/ai.js';
import { FrameBatch } from './tasks/batch.js';
import { WriteHold } from './tasks/cork.js';
import { Files } from './tasks/files.js';
import { EventLog } from './tasks/log.js';
import { Tasks } from './tasks/service.js';
import { TaskSockets, type OpenSocket } from './tasks/sockets.js';
import { keyedEventRequest } from './tasks/ws.js';
import { Users } from './users.js';
import type { Revoked } from './auth/tokens.js';
import { pages, SocketClose } from '../protocol/backend/index.js';

/** Whether a socket or poll was opened by the login a revocation ended. */
function heldBy(r: Revoked, h: OpenSocket): boolean {
  if (h.userId !== r.userId) return false;
  if ('allTokens' in r) return h.kind !== 'session';
  if ('familyId' in r) return h.familyId === r.familyId;
  return h.tokenId === r.tokenId;
}

export function createServices(config: Config, baseUrl: () => string) {
  const store = new Store(config.dataDir);
  const users = new Users(store);
  const tokens = new Tokens(store, { patMaxDays: config.patMaxDays, accessTtlS: config.accessTtlS, reuseGraceMs: config.refreshReuseGraceMs });
  const sessions = new Sessions(store, users);
  const auth = new Authenticator(tokens, sessions, users);
  const device = new DeviceFlow(store, tokens, {
    ttlS: config.deviceTtlS, intervalS: config.deviceIntervalS, verificationUri: () => baseUrl() + pages.device.path(),
  });
  // Revoking a login closes its sockets and long polls at once, with the code that tells a client to sign in again.
  const sockets = new TaskSockets(config.socketsPerTask);
  tokens.onRevoked = sessions.onRevoked = (r) => {
    sockets.close((h) => heldBy(r, h), SocketClose.authRevoked.code, SocketClose.authRevoked.reason);
  };
  const authLimit = new RateLimiter(config.authRateLimit, 60_000);
  const log = new EventLog(store, config.maxTaskLogBytes);
  const projects = new Projects(store);
  const snapshots = new Snapshots(store, config.dataDir, config.maxSnapshotBytes, config.maxSnapshotBytesPerAccount);
  const tasks = new Tasks(store, log, users, projects, snapshots, config);
  const files = new Files(store, config.dataDir, config.maxFileBytesPerAccount);
  const writes = new WriteHold();
  return {
    config, baseUrl, store, users, tokens, sessions, auth, device, sockets, log, projects, snapshots, tasks, files,
    idem: new Idempotency(store, config.idempotencyTtlMs, keyedEventRequest),
    writes,
    frames: new FrameBatch(store, writes),
    accounts: new Accounts(store, config, baseUrl),
    actions: new Actions(store, log, tasks, files, config),
    billing: new Billing(store, log, tasks, config),
    ai: new AiHandoff(store, log, tasks),
    limits: { auth: authLimit },
    signIn: new SignInGuard({
      freeFailures: config.signinFreeFailures, maxBackoffMs: config.signinBackoffMaxMs,
      addressFailures: config.signinAddressFailures, addressWindowMs: 15 * 60_000,
    }, authLimit),
  };
}
export type Services = ReturnType<typeof createServices>;
