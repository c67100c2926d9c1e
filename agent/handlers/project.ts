// detectProject, init, sync, uploadSnapshot.
import { basename, resolve } from 'node:path';
import { routes } from '../../protocol/backend/routes.js';
import type { ProjectConfig } from '../../protocol/project.js';
import { DetectProject, Init, Sync } from '../../protocol/methods/project.js';
import type { Feature } from '../context.js';
import { initProject, loadProject } from '../project/config.js';
import { detectProject } from '../project/detect.js';
import { checkSyncable } from '../project/git.js';
import { writeOwnFile } from '../project/own-dir.js';
import { getServices } from '../services.js';

export const project: Feature = (router, agent) => {
  const dir = (cwd?: string) => resolve(agent.options.cwd, cwd ?? '.');

  router.on(DetectProject, async (p) => {
    const config = await loadProject(dir(p.cwd)).then((x) => x.config, () => null); // none or invalid: init says which
    return { ...await detectProject(dir(p.cwd)), config };
  });

  router.on(Init, async (p) => {
    const backend = await getServices(agent).backend(); // fail on auth before touching any file
    return initProject(dir(p.cwd), {
      testCommand: p.testCommand, buildCommand: p.buildCommand, allowedTools: p.allowedTools,
      repoUploaded: p.uploadCode, branchMode: p.branchMode,
    }, {
      register: async (settings, detection) => {
        // InitOptions' Omit<> over a loose object erases the known keys; name them again.
        const s = settings as Pick<ProjectConfig, 'allowedTools' | 'testCommand' | 'buildCommand' | 'repoUploaded' | 'branchMode'>;
        return (await backend.call(routes.projects.init, {
        body: {
          name: p.name ?? basename(dir(p.cwd)), type: detection.type,
          ...(s.testCommand ? { testCommand: s.testCommand } : {}), ...(s.buildCommand ? { buildCommand: s.buildCommand } : {}),
          allowedAiTools: s.allowedTools, uploadCode: s.repoUploaded, codevfBranchOnly: s.branchMode === 'codevf',
        },
      })).projectId;
      },
    });
  });

  router.on(Sync, async (p) => {
    const { root, config } = await loadProject(dir(p.cwd));
    const state = await checkSyncable(root, { force: p.force });
    const project = await (await getServices(agent).backend()).call(routes.projects.sync, {
      body: { projectId: config.projectId, branch: state.branch, headCommit: state.headCommit },
    });
    const syncedAt = project.lastSync?.syncedAt ?? new Date().toISOString();
    const result = { branch: state.branch, headCommit: state.headCommit, dirty: state.dirty, syncedAt };
    await writeOwnFile(root, 'last_sync.json', JSON.stringify(result, null, 2) + '\n');
    return result;
  });
};
