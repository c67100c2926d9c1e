// The folder a requested command runs in: the project root plus the request's relative cwd, checked like a
// file path (no absolute, drive or `..` forms; after resolving links it must still be inside the root).
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { checkPathSyntax } from '../security/path-syntax.js';
import { isInside } from '../security/paths.js';

export async function commandFolder(root: string, cwd: string | undefined): Promise<string> {
  if (cwd === undefined || cwd.trim() === '') return root;
  let parts: string[];
  try {
    parts = checkPathSyntax(cwd);
  } catch (err) {
    if (err instanceof RpcError && err.data.reason === 'not_a_regular_file') return root; // "./" and the like
    throw err;
  }
  let real: string;
  try {
    real = await realpath(path.resolve(root, ...parts));
  } catch {
    throw new RpcError(ErrorCode.NotFound, `The folder "${cwd}" does not exist in the project.`, 'folder_not_found');
  }
  if (real !== root && !isInside(root, real)) {
    throw new RpcError(ErrorCode.Forbidden, `The folder "${cwd}" resolves outside the project.`, 'path_outside_project');
  }
  if (!(await stat(real)).isDirectory()) {
    throw new RpcError(ErrorCode.Forbidden, `"${cwd}" is not a folder.`, 'not_a_folder');
  }
  return real;
}
