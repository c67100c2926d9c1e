// `codevf-agent --policy FILE`: unattended runs (CI, scripts) where no person answers. The policy decides every
// engineer request and fails closed: only exact listed commands and matching file globs are allowed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import type { AskedKind, PendingOf, PendingRequest } from '../protocol/methods/session.js';
import { sessionScopeRefusal } from './session/rules.js';

const Command = z.string().min(1).superRefine((c, ctx) => {
  const why = sessionScopeRefusal(c);
  if (why) ctx.addIssue({ code: 'custom', message: `"${c}" cannot be allowed by a policy because ${why}` });
});

const Folder = z.string().refine((f) => !path.isAbsolute(f) && !f.split(/[\\/]/).includes('..'),
  'must be a folder inside the project, relative to its root, without ".."');

export const PolicyFile = z.strictObject({
  version: z.literal(1),
  /** Exact command strings the engineer may run in the project root, or `{command, cwd}` for a subfolder. */
  allowCommands: z.array(z.union([Command, z.strictObject({ command: Command, cwd: Folder })])).default([]),
  /** Globs (relative to the project root; `*` within a folder, `**` across folders) of files the engineer may read. */
  allowFiles: z.array(z.string().min(1)).default([]),
  /** Globs of files a requester may change (write requests); none by default, so every change is denied. */
  allowWrites: z.array(z.string().min(1)).default([]),
});

export type PolicyFile = z.output<typeof PolicyFile>;
export interface PolicyDecision { decision: 'allow' | 'deny'; reason: string }

const allowed = (name: string): PolicyDecision => ({ decision: 'allow', reason: `Allowed by the policy ${name}.` });

/** One rule per kind of request; a kind added to the protocol does not compile until it has one here. */
const byKind = {
  command: (p, r, root, name) => {
    const cwd = normal(path.relative(root, r.workingDirectory));
    const ok = sessionScopeRefusal(r.command) === null && p.commands.has(key(r.command, cwd));
    return ok ? allowed(name) : { decision: 'deny', reason: `Denied: the policy ${name} does not list this exact command${cwd ? ` in ${cwd}` : ''}.` };
  },
  file: (p, r, _root, name) => {
    const rel = normal(r.path);
    const plain = !path.isAbsolute(rel) && !/^[a-z]:/i.test(rel) && !rel.split('/').includes('..');
    return plain && p.files.some((re) => re.test(rel)) ? allowed(name) : { decision: 'deny', reason: `Denied: the policy ${name} does not allow this file.` };
  },
  write: (p, r, _root, name) => {
    const rel = normal(r.path);
    const plain = !path.isAbsolute(rel) && !/^[a-z]:/i.test(rel) && !rel.split('/').includes('..');
    return plain && p.writes.some((re) => re.test(rel)) ? allowed(name) : { decision: 'deny', reason: `Denied: the policy ${name} does not allow changes to this file.` };
  },
} satisfies { [K in AskedKind]: (p: ApprovalPolicy, r: PendingOf<K>, root: string, name: string) => PolicyDecision };

/** Decides engineer requests from a validated policy file; anything not listed is denied. */
export class ApprovalPolicy {
  readonly commands: Set<string>;
  readonly files: RegExp[];
  readonly writes: RegExp[];

  constructor(readonly file: string, policy: PolicyFile) {
    this.commands = new Set(policy.allowCommands.map((c) => typeof c === 'string' ? key(c, '') : key(c.command, c.cwd)));
    this.files = policy.allowFiles.map(globToRegExp);
    this.writes = policy.allowWrites.map(globToRegExp);
  }

  /** `root` is the project root; the request's folder and path were already checked to lie inside it. */
  decide(r: PendingRequest, root: string): PolicyDecision {
    const name = path.basename(this.file);
    // Fails closed: a kind without a rule (e.g. from a newer backend) is denied, never matched by a field it happens to carry.
    const rule = (byKind as Partial<Record<string, (p: ApprovalPolicy, r: PendingRequest, root: string, name: string) => PolicyDecision>>)[r.type];
    if (!rule) return { decision: 'deny', reason: `Denied: the policy ${name} has no rule for "${String(r.type)}" requests.` };
    return rule(this, r, root, name);
  }
}

/** Reads and validates a policy file; throws an Error whose message says what is wrong and where. */
export function loadPolicy(file: string): ApprovalPolicy {
  const abs = path.resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the policy file ${abs}: ${(err as Error).message}`);
  }
  const parsed = PolicyFile.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`).join('\n');
    throw new Error(`invalid policy file ${abs}:\n${issues}\nSee examples/automation/README.md for the format.`);
  }
  return new ApprovalPolicy(abs, parsed.data);
}

const key = (command: string, cwd: string) => JSON.stringify([command, normal(cwd)]);
const normal = (p: string) => p.replace(/\\/g, '/').replace(/^\.\/+/, '').replace(/\/+$/, '').replace(/^\.$/, '');

/** `**` spans folders, `*` and `?` stay within one path component; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  const g = normal(glob);
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*' && g[i + 1] === '*') {
      const slash = g[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
