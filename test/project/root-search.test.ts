// Where the project-root search stops: $HOME (unless it starts there), a folder owned by another user.
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findProjectRoot } from '../../agent/project/config.js';

async function withConfig(dir: string): Promise<void> {
  await mkdir(join(dir, '.codevf'), { recursive: true });
  await writeFile(join(dir, '.codevf/config.json'), '{}');
}

test('the search finds the nearest project, does not climb past $HOME, and treats $HOME as a project only from $HOME', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cvf-root-'));
  try {
    const home = join(base, 'home');
    const deep = join(home, 'code/app/src');
    await mkdir(deep, { recursive: true });
    await withConfig(base); // above $HOME: never reached
    assert.is(await findProjectRoot(deep, home), null);
    await withConfig(home);
    assert.is(await findProjectRoot(deep, home), null, 'a stray ~/.codevf is not every folder\'s project');
    assert.is(await findProjectRoot(home, home), home);
    await withConfig(join(home, 'code/app'));
    assert.is(await findProjectRoot(deep, home), join(home, 'code/app'));
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('the search stops at a folder owned by another user (tests run as root, so chown works)', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cvf-root-'));
  try {
    const child = join(base, 'theirs/mine');
    await mkdir(child, { recursive: true });
    await withConfig(join(base, 'theirs'));
    assert.is(await findProjectRoot(child, '/nonexistent'), join(base, 'theirs'));
    await chown(join(base, 'theirs'), 12345, 12345);
    assert.is(await findProjectRoot(child, '/nonexistent'), null);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test.run();
