// Command-line options of the sandbox; the short timings exist so tests can run a "minute" in milliseconds.
import minimist from 'minimist';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  json: boolean;
  minuteMs: number;
  creditsPerMinute: number;
  usdPerCredit: number;
  lowBalanceMinutes: number;
  accessTtlS: number;
  deviceTtlS: number;
  deviceIntervalS: number;
  patMaxDays: number;
  authRateLimit: number;
  /** A rotated refresh token presented again this soon after its exchange is refused without revoking its family. */
  refreshReuseGraceMs: number;
  /** Failed sign-ins an account may have before each further one doubles its wait (1 s, 2 s, ...). */
  signinFreeFailures: number;
  /** Longest wait of the per-account sign-in backoff, in ms. */
  signinBackoffMaxMs: number;
  /** Failed sign-ins one client address may make per 15 minutes, over all emails. */
  signinAddressFailures: number;
  /** Reverse proxies in front of the sandbox whose X-Forwarded-For entries are trusted (0: the header is ignored). */
  trustProxy: number;
  maxSnapshotBytes: number;
  seedCredits: number;
  /** Free AI sessions per account and UTC day (`--ai-daily-sessions`). */
  aiDailySessions: number;
  /** Longest time a task socket may go without flushing what it was sent before it is closed. */
  socketStallMs: number;
  /** Most sockets one account may hold open on one task (and, apart, most long polls waiting on it). */
  socketsPerTask: number;
  /** Tasks one customer may have open (not ended) at once. */
  openTasksPerAccount: number;
  /** Frames one socket may send per second (a burst of five seconds' worth is allowed). */
  framesPerSecond: number;
  /** Engineer requests (command, file, screen share) per task and minute, and how many may await an answer. */
  requestsPerMinute: number;
  openRequests: number;
  /** Bytes of messages and command output one task may store. */
  maxTaskLogBytes: number;
  /** Bytes of snapshots, and of shared files, one account may store. */
  maxSnapshotBytesPerAccount: number;
  maxFileBytesPerAccount: number;
  /** How long an idempotency key is remembered. */
  idempotencyTtlMs: number;
  /** Also seed a second customer and engineer (tests of who may see what). */
  seedExtra: boolean;
  /** Exit when stdin closes: a test runner that dies cannot leave the sandbox behind. */
  exitWithStdin: boolean;
}

export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'codevf-sandbox');
}

export function parseConfig(argv: string[]): Config {
  const a = minimist(argv, { boolean: ['json', 'seed-extra', 'exit-with-stdin'], string: ['data', 'host'] });
  const num = (k: string, d: number) => {
    if (a[k] === undefined) return d;
    const n = Number(a[k]);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${k} must be a number >= 0, got ${a[k]}`);
    return n;
  };
  return {
    host: a.host ?? '127.0.0.1',
    port: num('port', 4780),
    dataDir: a.data ?? defaultDataDir(),
    json: Boolean(a.json),
    minuteMs: num('minute-ms', 60_000),
    creditsPerMinute: num('rate', 1),
    usdPerCredit: num('usd-per-credit', 1),
    lowBalanceMinutes: num('low-balance-minutes', 3),
    accessTtlS: num('access-ttl', 3600),
    deviceTtlS: num('device-ttl', 900),
    deviceIntervalS: num('device-interval', 5),
    patMaxDays: num('pat-max-days', 365),
    authRateLimit: num('auth-rate-limit', 30),
    refreshReuseGraceMs: num('refresh-reuse-grace-s', 10) * 1000,
    signinFreeFailures: num('signin-free-failures', 5),
    signinBackoffMaxMs: num('signin-backoff-max-s', 900) * 1000,
    signinAddressFailures: num('signin-address-failures', 100),
    trustProxy: Math.floor(num('trust-proxy', 0)),
    maxSnapshotBytes: num('max-snapshot-mb', 200) * 1024 * 1024,
    seedCredits: num('seed-credits', 120),
    aiDailySessions: num('ai-daily-sessions', 20),
    socketStallMs: num('socket-stall-ms', 30_000),
    socketsPerTask: num('sockets-per-task', 4),
    openTasksPerAccount: num('open-tasks-per-account', 100),
    framesPerSecond: num('frames-per-second', 200),
    requestsPerMinute: num('requests-per-minute', 30),
    openRequests: num('open-requests', 10),
    maxTaskLogBytes: num('max-task-log-mb', 32) * 1024 * 1024,
    maxSnapshotBytesPerAccount: num('max-snapshots-mb-per-account', 1000) * 1024 * 1024,
    maxFileBytesPerAccount: num('max-files-mb-per-account', 200) * 1024 * 1024,
    idempotencyTtlMs: num('idempotency-ttl-h', 24) * 3600_000,
    seedExtra: Boolean(a['seed-extra']),
    exitWithStdin: Boolean(a['exit-with-stdin']),
  };
}
