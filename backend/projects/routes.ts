import { routes } from '../../protocol/backend/index.js';
import { ApiError } from '../errors.js';
import type { Api } from '../http/api.js';
import type { Services } from '../services.js';

export function registerProjectRoutes(api: Api, s: Services): void {
  const r = routes.projects;
  api.register(r.init, ({ principal, body }) => s.projects.init(principal.user.id, body));
  api.register(r.sync, ({ principal, body }) => s.projects.sync(principal.user.id, body));
  api.register(r.get, ({ principal, params }) => s.projects.get(principal.user.id, params.projectId));
  api.register(r.uploadSnapshot, async ({ principal, req, url }) => {
    const projectId = url.searchParams.get('projectId');
    if (!projectId) throw new ApiError(400, 'invalid_query', 'query.projectId: required');
    const project = s.projects.row(principal.user.id, projectId);
    if (!project.upload_code) {
      throw new ApiError(409, 'upload_not_allowed', 'This project was set up without code upload; run `codevf init` to allow it.');
    }
    return s.snapshots.receive(req, principal.user.id, projectId);
  });
}
