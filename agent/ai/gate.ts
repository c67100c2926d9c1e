// The one door between the AI agent and the customer's machine: every read, write, command and
// permission the AI agent asks for is a request of the matching kind, put to the customer (or the policy)
// exactly like an engineer's, with the same checks, redaction and audit. Implemented by the session
// (agent/session/ai-gate.ts); AI code never touches files or processes itself.
import type { RunHandle } from './terminals.js';

export interface AiAsk { reason: string; signal: AbortSignal }

/** Told as each request is made and settled, for the transcript. */
export interface AiGateObserver {
  asked(requestId: string, kind: 'command' | 'file' | 'write' | 'permission', subject: string, reason: string): void;
  decided(requestId: string, decision: 'allow' | 'deny', decidedBy: string): void;
  output(requestId: string, text: string, exitCode: number | null): void;
}

export interface AiGate {
  /** Resolves with the running command once allowed; throws an RpcError when denied or refused. */
  command(a: AiAsk & { command: string; cwd: string | undefined }): Promise<RunHandle>;
  /** The file's text, checked and redacted; throws when denied or refused. */
  read(a: AiAsk & { path: string }): Promise<string>;
  /** Applies the write once allowed; throws when denied or refused (nothing changed then). */
  write(a: AiAsk & { path: string; content: string }): Promise<void>;
  /** An ACP permission for the AI agent's own edit tool: asked as a write request (the diff against the file
   *  as it is now), never written by us; resolves when allowed, throws when denied or refused. Once allowed,
   *  one `write` of exactly that content to that path is the same answer and is not asked again. */
  permitWrite(a: AiAsk & { path: string; oldText: string | null; content: string }): Promise<void>;
  /** An ACP permission that is refused whatever the answer would be: shown and audited as a refused request of
   *  the kind it matches (or, matching none, audited and kept in the transcript). Always throws the refusal. */
  refuse(a: AiAsk & { as: { kind: 'file'; path: string } | { kind: 'command'; command: string } | { kind: null; subject: string };
    refusal: { reason: string; message: string } }): Promise<never>;
}
