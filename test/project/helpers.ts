// Small test helpers shared by the project, auth and net tests.
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { RpcError } from '../../protocol/errors.js';

/** Temporary folders (real paths) removed by `cleanup`, to be called from `test.after`. */
export function tempDirs(prefix: string) {
  const dirs: string[] = [];
  return {
    make: async (): Promise<string> => {
      const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
      dirs.push(dir);
      return dir;
    },
    cleanup: async (): Promise<void> => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); },
  };
}

/** The RpcError a promise rejects with; fails the test when it resolves or rejects with something else. */
export async function rejection(p: Promise<unknown>): Promise<RpcError> {
  try { await p; } catch (err) { assert.instance(err, RpcError); return err as RpcError; }
  throw new Error('expected a rejection');
}
