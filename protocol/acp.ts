// The subset of the Agent Client Protocol v1 (agentclientprotocol.com) that `codevf-agent --acp` speaks,
// checked against @agentclientprotocol/sdk's schema/v1/schema.json. Inbound shapes are loose (unknown keys
// pass, as ACP's own deserializer does); outbound shapes are what we build. No I/O here.
import * as z from 'zod';

export const ACP_PROTOCOL_VERSION = 1;

/** ACP's error codes that differ from CodeVF's (ACP reuses the JSON-RPC server-error range). */
export const AcpErrorCode = { AuthRequired: -32000, ResourceNotFound: -32002 } as const;

const Implementation = z.looseObject({ name: z.string(), version: z.string().optional(), title: z.string().nullish() });

export const AcpInitializeParams = z.looseObject({
  protocolVersion: z.number().int().min(0).max(65535),
  clientCapabilities: z.looseObject({}).optional(),
  clientInfo: Implementation.nullish(),
});

export const AcpAuthenticateParams = z.looseObject({ methodId: z.string().min(1) });

export const AcpNewSessionParams = z.looseObject({
  cwd: z.string().min(1).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path'),
  mcpServers: z.array(z.unknown()).nullish(),
});

/** Prompt blocks: text and resource links are the baseline every ACP agent must take. */
export const AcpContentBlock = z.union([
  z.looseObject({ type: z.literal('text'), text: z.string() }),
  z.looseObject({ type: z.literal('resource_link'), uri: z.string(), name: z.string() }),
  z.looseObject({ type: z.literal('resource'), resource: z.looseObject({ uri: z.string(), text: z.string().optional() }) }),
  z.looseObject({ type: z.string() }),
]);

export const AcpPromptParams = z.looseObject({ sessionId: z.string().min(1), prompt: z.array(AcpContentBlock) });
export const AcpCancelParams = z.looseObject({ sessionId: z.string().min(1) });

/** An ACP message as data: its wire name (written only here) and its params. */
export interface AcpDecl<P extends z.ZodType = z.ZodType> { method: string; params: P }

/** What `codevf-agent --acp` serves: the ACP client's requests and notifications to an agent. The dispatcher
 *  maps each key to a handler with a mapped type, so a method added here fails to compile until it is handled. */
export const AcpServed = {
  requests: {
    initialize: { method: 'initialize', params: AcpInitializeParams },
    authenticate: { method: 'authenticate', params: AcpAuthenticateParams },
    sessionNew: { method: 'session/new', params: AcpNewSessionParams },
    sessionPrompt: { method: 'session/prompt', params: AcpPromptParams },
  },
  notifications: {
    sessionCancel: { method: 'session/cancel', params: AcpCancelParams },
  },
} as const satisfies { requests: Record<string, AcpDecl>; notifications: Record<string, AcpDecl> };

/** What this agent sends to the ACP client. */
export const AcpToClient = {
  sessionUpdate: 'session/update',
  requestPermission: 'session/request_permission',
} as const;

export const AcpStopReason = z.enum(['end_turn', 'max_tokens', 'max_turn_requests', 'refusal', 'cancelled']);

export const AcpPermissionOptionKind = z.enum(['allow_once', 'allow_always', 'reject_once', 'reject_always']);
export const AcpPermissionOption = z.object({ optionId: z.string(), name: z.string(), kind: AcpPermissionOptionKind });

export const AcpPermissionResponse = z.looseObject({
  outcome: z.union([
    z.looseObject({ outcome: z.literal('cancelled') }),
    z.looseObject({ outcome: z.literal('selected'), optionId: z.string() }),
  ]),
});

export const AcpToolKind = z.enum(['read', 'edit', 'delete', 'move', 'search', 'execute', 'think', 'fetch', 'switch_mode', 'other']);
export const AcpToolStatus = z.enum(['pending', 'in_progress', 'completed', 'failed']);

const TextBlock = z.object({ type: z.literal('text'), text: z.string() });
export const AcpToolContent = z.union([
  z.object({ type: z.literal('content'), content: TextBlock }),
  /** ACP's diff view: editors show old and new text side by side. */
  z.object({ type: z.literal('diff'), path: z.string(), oldText: z.string().nullable(), newText: z.string() }),
]);

/** The `session/update` variants this agent sends. */
export const AcpSessionUpdate = z.discriminatedUnion('sessionUpdate', [
  z.object({ sessionUpdate: z.literal('agent_message_chunk'), content: TextBlock }),
  z.object({ sessionUpdate: z.literal('agent_thought_chunk'), content: TextBlock }),
  z.object({
    sessionUpdate: z.literal('tool_call'), toolCallId: z.string(), title: z.string(), kind: AcpToolKind, status: AcpToolStatus,
    content: z.array(AcpToolContent), locations: z.array(z.object({ path: z.string() })).optional(), rawInput: z.unknown().optional(),
  }),
  z.object({
    sessionUpdate: z.literal('tool_call_update'), toolCallId: z.string(), status: AcpToolStatus.optional(),
    content: z.array(AcpToolContent).optional(), rawOutput: z.unknown().optional(),
  }),
]);

export type AcpSessionUpdate = z.infer<typeof AcpSessionUpdate>;
export type AcpPermissionOption = z.infer<typeof AcpPermissionOption>;
export type AcpStopReason = z.infer<typeof AcpStopReason>;
export type AcpToolContent = z.infer<typeof AcpToolContent>;
