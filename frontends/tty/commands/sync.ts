// codevf sync [--force] [--upload]: records the codevf branch and HEAD with the backend.
import { Sync } from '../../../protocol/methods/project.js';
import { bool, type Ctx } from '../cli/context.js';
import { uploadSnapshot } from './snapshot.js';

export async function sync(ctx: Ctx) {
  const force = bool(ctx, 'force') === true;
  const r = await (await ctx.agent()).request(Sync, { force });
  const { io } = ctx;
  if (r.dirty) io.warn('Synced with uncommitted changes (--force): engineers see only what is committed.');
  io.success(`Synced branch ${io.err.bold(r.branch)} at ${r.headCommit.slice(0, 7)}. Engineers can now access it.`);
  io.data(`${r.branch} ${r.headCommit}`);
  const snapshot = bool(ctx, 'upload') ? await uploadSnapshot(ctx) : undefined;
  return snapshot ? { ...r, snapshot } : r;
}
