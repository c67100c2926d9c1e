// codevf init: the wizard of spec 4.2. Every question is also a flag; --yes takes the default of the rest.
import { basename } from 'node:path';
import type * as z from 'zod';
import type { ParamsIn, ResultOf } from '../../../protocol/define.js';
import { DetectProject, Init } from '../../../protocol/methods/project.js';
import { AiTool, type ProjectConfig, type ProjectDetection } from '../../../protocol/project.js';
import { bool, str, type Ctx } from '../cli/context.js';
import { usage } from '../cli/errors.js';
import { needsFlag, Prompter } from '../cli/prompt.js';
import { uploadSnapshot } from './snapshot.js';

type Tool = z.output<typeof AiTool>;
/** Every answer of the wizard: Init's params, each given. */
type Answers = Required<Pick<ParamsIn<typeof Init>, 'testCommand' | 'buildCommand' | 'allowedTools' | 'uploadCode' | 'branchMode'>>;

const command = (s: string) => (s.trim().toLowerCase() === 'none' || !s.trim() ? null : s.trim());

function tools(text: string): Tool[] {
  const words = text.toLowerCase().split(/[\s,]+/).filter(Boolean);
  if (words.length === 1 && words[0] === 'none') return [];
  const bad = words.find((w) => !AiTool.safeParse(w).success);
  if (bad) throw usage(`Unknown AI tool "${bad}": choose from ${AiTool.options.join(', ')} or none.`);
  return [...new Set(words)] as Tool[];
}

function branchMode(v: string): 'codevf' | 'any' {
  if (v !== 'codevf' && v !== 'any') throw usage(`--branch-mode must be codevf or any (got "${v}").`);
  return v;
}

/** Answers given as flags; undefined where the wizard still has to ask (or take the default with --yes). */
function fromFlags(ctx: Ctx): Partial<Answers> {
  const t = str(ctx, 'test-command');
  const b = str(ctx, 'build-command');
  const ai = str(ctx, 'ai-tools');
  const mode = str(ctx, 'branch-mode');
  return {
    ...(t !== undefined ? { testCommand: command(t) } : {}),
    ...(b !== undefined ? { buildCommand: command(b) } : {}),
    ...(ai !== undefined ? { allowedTools: tools(ai) } : {}),
    ...(bool(ctx, 'upload') !== undefined ? { uploadCode: bool(ctx, 'upload') } : {}),
    ...(mode !== undefined ? { branchMode: branchMode(mode) } : {}),
  };
}

type Detected = ProjectDetection & { config?: ProjectConfig | null };

/** The current config's answers when there is one (a re-run keeps them on Enter), else the detected defaults. */
const defaults = (d: Detected): Answers => (d.config
  ? { testCommand: d.config.testCommand, buildCommand: d.config.buildCommand, allowedTools: [...d.config.allowedTools], uploadCode: d.config.repoUploaded, branchMode: d.config.branchMode }
  : { testCommand: d.testCommand, buildCommand: d.buildCommand, allowedTools: [], uploadCode: false, branchMode: 'codevf' });

// [answer, question, flag, what the answer is for (one short line)]
const QUESTIONS: Array<[keyof Answers, string, string, string]> = [
  ['testCommand', 'Test command', '--test-command CMD', 'Engineers run it to check a fix; none if there is none.'],
  ['buildCommand', 'Build command', '--build-command CMD', 'Engineers run it to check the project builds; none if there is none.'],
  ['allowedTools', 'Allowed AI tools', '--ai-tools LIST', `AI assistants the engineer may use on your code: ${AiTool.options.join(', ')}, or none.`],
  ['uploadCode', 'Upload code for faster debugging?', '--upload or --no-upload', 'Sends a copy of the committed code (secrets left out) so engineers can read it.'],
  ['branchMode', "Allow engineers access to the 'codevf' branch only?", '--branch-mode codevf|any', "Yes: engineers see only the 'codevf' branch. No: every branch."],
];
const hint = (k: keyof Answers) => QUESTIONS.find(([q]) => q === k)![3];
const question = (k: keyof Answers) => QUESTIONS.find(([q]) => q === k)![1];

async function ask(ctx: Ctx, d: Detected, given: Partial<Answers>): Promise<Answers> {
  const p = new Prompter(ctx.io);
  try {
    const def = defaults(d);
    const needCommands = given.testCommand === undefined || given.buildCommand === undefined;
    if (!d.config && needCommands && d.type !== 'unknown' && !await p.confirm(`Is this a ${d.type} project?`, true, 'The type gives the default test and build commands.')) {
      def.testCommand = null;
      def.buildCommand = null;
    }
    const a = { ...def, ...given };
    if (given.testCommand === undefined) a.testCommand = command(await p.ask(question('testCommand'), def.testCommand ?? 'none', hint('testCommand')));
    if (given.buildCommand === undefined) a.buildCommand = command(await p.ask(question('buildCommand'), def.buildCommand ?? 'none', hint('buildCommand')));
    for (let first = true; given.allowedTools === undefined; first = false) {
      const shown = def.allowedTools.length ? def.allowedTools.join(', ') : 'none';
      try { a.allowedTools = tools(await p.ask(question('allowedTools'), shown, first ? hint('allowedTools') : undefined)); break; } catch (e) { ctx.io.info((e as Error).message); }
    }
    if (given.uploadCode === undefined) a.uploadCode = await p.confirm(question('uploadCode'), def.uploadCode, hint('uploadCode'));
    if (given.branchMode === undefined) a.branchMode = await p.confirm(question('branchMode'), def.branchMode === 'codevf', hint('branchMode')) ? 'codevf' : 'any';
    return a;
  } finally { p.close(); }
}

function summary(ctx: Ctx, r: ResultOf<typeof Init>, a: Answers): string {
  const c = ctx.io.out;
  return [
    `${c.green('✓')} CodeVF project ${r.created ? 'created' : 'updated'} in ${r.root} (.codevf/config.json)`,
    `  Project id:   ${r.config.projectId}`,
    `  Test:         ${a.testCommand ?? 'none'}`,
    `  Build:        ${a.buildCommand ?? 'none'}`,
    `  AI tools:     ${a.allowedTools.length ? a.allowedTools.join(', ') : 'none'}`,
    `  Code upload:  ${a.uploadCode ? 'yes' : 'no'}`,
    `  Branch:       ${a.branchMode === 'codevf' ? "engineers see only the 'codevf' branch" : 'engineers see every branch'}`,
    '',
    `Next: ${c.bold('codevf fix "describe the issue"')}`,
  ].join('\n');
}

export async function init(ctx: Ctx) {
  const given = fromFlags(ctx);
  const yes = bool(ctx, 'yes') === true;
  const open = QUESTIONS.find(([k]) => given[k] === undefined);
  if (open && !yes && !ctx.io.interactive) throw needsFlag(open[1], `${open[2]} (or --yes to keep the current or detected answers)`);
  const agent = await ctx.agent();
  const d = await agent.request(DetectProject, {});
  const found = d.type === 'unknown' ? 'Could not tell the project type' : `Detected a ${d.type} project${d.packageManager ? ` (${d.packageManager})` : ''} from ${d.markers.join(', ')}`;
  ctx.io.info(`${found} in ${process.cwd()}.`);
  if (d.config) ctx.io.info('This project is set up already: Enter keeps each current answer.');
  const answers = yes || !open ? { ...defaults(d), ...given } : await ask(ctx, d, given);
  const name = str(ctx, 'name') ?? basename(process.cwd());
  const r = await agent.request(Init, { name, ...answers });
  const snapshot = answers.uploadCode ? await uploadSnapshot(ctx) : undefined;
  ctx.io.data(summary(ctx, r, answers));
  return snapshot ? { ...r, snapshot } : r;
}
