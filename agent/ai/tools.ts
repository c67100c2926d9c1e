// Which program is the AI agent: a table from each `allowedTools` name to the command that starts it as an
// ACP agent on stdio. Defaults for the known tools; the user's own file
// ($XDG_CONFIG_HOME/codevf/ai-agents.json) may override them or add more. A project's files cannot: a
// cloned repository must not be able to choose a program for codevf to start. Only a tool the project
// lists in `allowedTools` is ever started.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { configDir } from '../auth/file-store.js';

export const AiAgentCommand = z.object({
  command: z.string().min(1).max(1000).describe('Program to start (looked up on PATH).'),
  args: z.array(z.string().max(1000)).max(50).default([]),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(4000)).default({}),
  title: z.string().max(200).optional().describe('How the AI is named to the customer and the engineer.'),
});
export type AiAgentCommand = z.infer<typeof AiAgentCommand>;

export const AiAgentsFile = z.object({ agents: z.record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), AiAgentCommand) });

/** Known ACP agents. Each must be installed by the customer; codevf never downloads one. */
export const DEFAULT_AI_AGENTS: Record<string, AiAgentCommand> = {
  claude: { command: 'claude-code-acp', args: [], env: {}, title: 'Claude Code' },
  gemini: { command: 'gemini', args: ['--experimental-acp'], env: {}, title: 'Gemini CLI' },
  gpt: { command: 'codex-acp', args: [], env: {}, title: 'Codex' },
  // OpenCode runs its own tools without asking unless told to: every built-in one that touches the machine asks.
  opencode: { command: 'opencode', args: ['acp'], env: { OPENCODE_PERMISSION: JSON.stringify(Object.fromEntries(
    ['*', 'read', 'edit', 'glob', 'grep', 'list', 'bash', 'task', 'external_directory', 'webfetch', 'websearch', 'codesearch', 'lsp', 'skill']
      .map((k) => [k, 'ask']))) }, title: 'OpenCode' },
  qwen: { command: 'qwen', args: ['--experimental-acp'], env: {}, title: 'Qwen Code' },
  goose: { command: 'goose', args: ['acp'], env: {}, title: 'Goose' },
};

export function aiAgentsFile(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'ai-agents.json');
}

async function userAgents(env: NodeJS.ProcessEnv): Promise<Record<string, AiAgentCommand>> {
  const file = aiAgentsFile(env);
  let text: string;
  try { text = await readFile(file, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new RpcError(ErrorCode.InvalidConfig, `${file} cannot be read (${(e as NodeJS.ErrnoException).code}).`, 'invalid_config', { path: file });
  }
  let raw: unknown;
  try { raw = JSON.parse(text); } catch {
    throw new RpcError(ErrorCode.InvalidConfig, `${file} is not valid JSON.`, 'invalid_config', { path: file });
  }
  const r = AiAgentsFile.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new RpcError(ErrorCode.InvalidConfig, `${file} is invalid at ${i.path.join('.') || '(root)'}: ${i.message}.`, 'invalid_config', { path: file });
  }
  return r.data.agents;
}

export interface ChosenAgent extends AiAgentCommand { name: string; title: string }

/** The AI agent to start: `name` (default the first allowed tool) must be in `allowed`. */
export async function chooseAiAgent(name: string | undefined, allowed: readonly string[], env: NodeJS.ProcessEnv): Promise<ChosenAgent> {
  if (!allowed.length) {
    throw new RpcError(ErrorCode.InvalidParams, 'This project allows no AI tools. Run `codevf init --ai-tools <list>` to allow one, or ask for a human.', 'ai_tool_not_allowed');
  }
  const pick = name ?? allowed[0];
  if (!allowed.includes(pick)) {
    throw new RpcError(ErrorCode.InvalidParams, `The AI tool "${pick}" is not in this project's allowedTools (${allowed.join(', ')}).`, 'ai_tool_not_allowed');
  }
  const table = { ...DEFAULT_AI_AGENTS, ...await userAgents(env) };
  // Own keys only: a name like `constructor` or `toString` from a cloned config must not reach Object.prototype.
  const entry = Object.hasOwn(table, pick) ? table[pick] : undefined;
  if (!entry) {
    throw new RpcError(ErrorCode.InvalidParams, `No command is known for the AI tool "${pick}"; add it to ${aiAgentsFile(env)}.`, 'ai_tool_unknown');
  }
  return { ...entry, name: pick, title: entry.title ?? pick };
}
