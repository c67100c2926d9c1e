// The client side of the Agent Client Protocol v1, which `codevf-agent` speaks when it hosts an AI coding
// agent (AI and hybrid modes): what the AI agent may ask of us and what we ask of it. Inbound shapes are
// checked here once; anything else the AI agent sends is refused with -32602 or -32601. No I/O here.
import * as z from 'zod';
import { AcpPermissionOption, AcpStopReason, AcpToClient, AcpToolKind } from './acp.js';

export const AcpClientMethods = {
  readTextFile: 'fs/read_text_file',
  writeTextFile: 'fs/write_text_file',
  terminalCreate: 'terminal/create',
  terminalOutput: 'terminal/output',
  terminalWaitForExit: 'terminal/wait_for_exit',
  terminalKill: 'terminal/kill',
  terminalRelease: 'terminal/release',
  requestPermission: AcpToClient.requestPermission,
  sessionUpdate: AcpToClient.sessionUpdate,
} as const;

const AbsPath = z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path');
const SessionId = z.string().min(1).max(200);

export const AcpReadTextFileParams = z.looseObject({
  sessionId: SessionId, path: AbsPath, line: z.number().int().min(1).nullish(), limit: z.number().int().min(1).nullish(),
});
export const AcpWriteTextFileParams = z.looseObject({ sessionId: SessionId, path: AbsPath, content: z.string().max(10 * 1024 * 1024) });
export const AcpCreateTerminalParams = z.looseObject({
  sessionId: SessionId,
  command: z.string().min(1).max(4000),
  args: z.array(z.string().max(4000)).max(200).nullish(),
  env: z.array(z.looseObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be a plain variable name'), value: z.string().max(4000) })).max(50).nullish(),
  cwd: AbsPath.nullish(),
  outputByteLimit: z.number().int().min(0).nullish(),
});
export const AcpTerminalParams = z.looseObject({ sessionId: SessionId, terminalId: z.string().min(1).max(200) });

export const AcpPermissionRequestParams = z.looseObject({
  sessionId: SessionId,
  toolCall: z.looseObject({
    toolCallId: z.string().max(200),
    title: z.string().max(4000).nullish(),
    kind: AcpToolKind.nullish().catch(null),
    rawInput: z.unknown().optional(),
    locations: z.array(z.looseObject({ path: z.string().max(4096) })).max(100).nullish(),
    content: z.array(z.unknown()).max(100).nullish(),
  }),
  options: z.array(AcpPermissionOption).min(1).max(20),
});

/** A tool call's proposed change (ACP `diff` content): `oldText` null for a new file; agents send the whole file or one part. */
export const AcpDiffContent = z.looseObject({ type: z.literal('diff'), path: AbsPath, oldText: z.string().max(10 * 1024 * 1024).nullish(),
  newText: z.string().max(10 * 1024 * 1024) });

/** `session/update` from the AI agent: the variants we act on; anything else is ignored. */
export const AcpInboundUpdate = z.looseObject({
  sessionId: SessionId,
  update: z.looseObject({ sessionUpdate: z.string() }),
});
export const AcpTextChunk = z.looseObject({ content: z.looseObject({ type: z.literal('text'), text: z.string() }) });

export const AcpAgentInitializeResult = z.looseObject({
  protocolVersion: z.number().int(),
  agentInfo: z.looseObject({ name: z.string(), version: z.string().optional(), title: z.string().nullish() }).nullish(),
  authMethods: z.array(z.looseObject({ id: z.string(), name: z.string().optional() })).nullish(),
});
export const AcpNewSessionResult = z.looseObject({ sessionId: SessionId });
export const AcpPromptResult = z.looseObject({ stopReason: AcpStopReason });

export type AcpCreateTerminalParams = z.infer<typeof AcpCreateTerminalParams>;
export type AcpPermissionRequestParams = z.infer<typeof AcpPermissionRequestParams>;
