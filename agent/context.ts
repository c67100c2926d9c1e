// What every handler module gets: the agent's options, logger, a way to notify the front end,
// and a place to register cleanup that runs on shutdown, exit, SIGTERM or stdin EOF.
import type { AnyNotificationDef, ParamsIn, ParamsOf } from '../protocol/define.js';
import type { Initialize } from '../protocol/methods/lifecycle.js';
import type { Logger } from './log.js';
import type { ApprovalPolicy } from './policy.js';
import type { Router } from './router.js';

export interface AgentOptions {
  framing: 'auto' | 'content-length' | 'ndjson';
  verbose: boolean;
  logFile?: string;
  host?: string;
  insecure: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Session limits given as flags (`--approval-timeout-ms`, `--command-timeout-ms`); they win over the env. */
  limits: { approvalTimeoutMs?: number; commandTimeoutMs?: number };
  /** `--policy FILE`: decides every engineer request instead of asking a person (unattended runs). */
  policy?: ApprovalPolicy;
}

export interface AgentContext {
  options: AgentOptions;
  log: Logger;
  /** Who the front end is and the capabilities it declared in `initialize` (the declaration's types). */
  client: (ParamsOf<typeof Initialize>['clientInfo'] & { capabilities: NonNullable<ParamsOf<typeof Initialize>['capabilities']> }) | undefined;
  notify<D extends AnyNotificationDef>(def: D, params: ParamsIn<D>): Promise<void>;
  onDispose(fn: () => Promise<void> | void): void;
}

/** A feature module: registers its handlers on the router. */
export type Feature = (router: Router, agent: AgentContext) => void;
