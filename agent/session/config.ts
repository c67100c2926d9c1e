// Session limits, each with a default and an override from the environment (or an agent flag that sets it).
// Read once per session so a test can shorten a timeout by starting the agent with a different env.

export interface SessionConfig {
  /** A request not answered within this is denied (decidedBy `timeout`). */
  approvalTimeoutMs: number;
  /** An approved command running longer is killed with its process tree. */
  commandTimeoutMs: number;
  /** Output bytes streamed to the backend before only the tail is kept. */
  outputCapBytes: number;
  /** Size of that tail, sent when the command ends. */
  outputTailBytes: number;
  /** Largest file shared (bytes, before base64). The backend accepts up to 10 MiB. */
  maxFileBytes: number;
  /** Reconnect backoff: first delay cap and largest delay cap (full jitter under it). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** WebSocket connection attempts that never opened before falling back to long polling. */
  wsFailuresBeforePoll: number;
  /** Seconds a long poll waits on the backend. */
  pollWaitSeconds: number;
  /** Engineer requests open at once per task; more are refused at once (`too_many_pending`). */
  maxPending: number;
  /** While polling, how often to try the WebSocket again (doubles up to 8x). */
  upgradeEveryMs: number;
}

const MINUTE = 60_000;

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  return Number.isFinite(n) && n >= min && n <= max ? Math.floor(n) : fallback;
}

export function sessionConfig(env: NodeJS.ProcessEnv): SessionConfig {
  return {
    approvalTimeoutMs: num(env, 'CODEVF_APPROVAL_TIMEOUT_MS', 5 * MINUTE, 1),
    commandTimeoutMs: num(env, 'CODEVF_COMMAND_TIMEOUT_MS', 10 * MINUTE, 1),
    outputCapBytes: num(env, 'CODEVF_OUTPUT_CAP_BYTES', 4 * 1024 * 1024, 0),
    outputTailBytes: num(env, 'CODEVF_OUTPUT_TAIL_BYTES', 256 * 1024, 0, 8 * 1024 * 1024),
    maxFileBytes: num(env, 'CODEVF_MAX_FILE_BYTES', 1024 * 1024, 1, 10 * 1024 * 1024),
    backoffBaseMs: num(env, 'CODEVF_BACKOFF_BASE_MS', 500, 1),
    backoffMaxMs: num(env, 'CODEVF_BACKOFF_MAX_MS', 30_000, 1),
    wsFailuresBeforePoll: num(env, 'CODEVF_WS_FAILURES_BEFORE_POLL', 3, 1),
    pollWaitSeconds: num(env, 'CODEVF_POLL_WAIT_SECONDS', 25, 0, 60),
    upgradeEveryMs: num(env, 'CODEVF_UPGRADE_EVERY_MS', 15_000, 1),
    maxPending: num(env, 'CODEVF_MAX_PENDING', 5, 1, 1000),
  };
}

/** Full jitter (AWS architecture blog): uniform in [0, min(max, base * 2^attempt)]. */
export function fullJitter(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}
