// Uploads a snapshot of the project with a progress bar, then says what was left out and why.
import { UploadSnapshot } from '../../../protocol/methods/project.js';
import type { Ctx } from '../cli/context.js';
import { bytes, progressBar } from '../cli/progress.js';


export async function uploadSnapshot(ctx: Ctx) {
  const agent = await ctx.agent({ progress: true });
  const token = `snapshot-${process.pid}`;
  const stop = progressBar(ctx.io, agent, token);
  try {
    const r = await agent.request(UploadSnapshot, { workDoneToken: token });
    stop();
    ctx.io.success(`Uploaded a snapshot: ${r.files} files, ${bytes(r.size)} (sha256 ${r.sha256.slice(0, 12)}).`);
    if (r.excluded.length) {
      ctx.io.info(`Left out ${r.excluded.length} file${r.excluded.length === 1 ? '' : 's'}:`);
      for (const x of r.excluded.slice(0, 10)) ctx.io.info(`  ${x.path}  ${ctx.io.err.dim(x.reason)}`);
      if (r.excluded.length > 10) ctx.io.info(`  ... and ${r.excluded.length - 10} more (see --json)`);
    }
    return r;
  } finally { stop(); }
}
