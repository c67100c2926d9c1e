// The project-root search stops at a file-system boundary (a real one: a tmpfs mounted in a private mount
// namespace, so nothing outside this test sees it). Skipped, saying why, only where no mount can be made.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const CONFIG_TS = fileURLToPath(new URL('../../agent/project/config.js', import.meta.url)).replace(/\.js$/, '.ts');
// As root a mount namespace is enough; otherwise a user namespace where this user is root (where allowed).
const UNSHARE = process.getuid?.() === 0 ? ['-m', '--propagation', 'private'] : ['-r', '-m', '--propagation', 'private'];

/** Runs `script` (sh, with $0 the mount point) in a private mount namespace with a tmpfs on `mnt`. */
function inNamespace(mnt: string, script: string, ...args: string[]) {
  return spawnSync('unshare', [...UNSHARE, 'sh', '-c', `mount -t tmpfs cvf-test "$0" && ${script}`, mnt, ...args], { encoding: 'utf8' });
}

const base = await mkdtemp(join(tmpdir(), 'cvf-fsb-'));
const mnt = join(base, 'mnt');
await mkdir(mnt);
const probe = inNamespace(mnt, 'true');
const why = probe.error ? `unshare: ${probe.error.message}` : probe.status !== 0 ? probe.stderr.trim() : null;
if (why) console.log(`fs-boundary: skipped, no tmpfs can be mounted here (${why})`);

(why ? test.skip : test)('the search does not cross into the parent file system, and works inside the mounted one', async () => {
  await mkdir(join(base, '.codevf'));
  await writeFile(join(base, '.codevf/config.json'), '{}');
  await mkdir(join(base, 'same/src'), { recursive: true });
  // Inside the namespace: the devices of the mount and its parent, then three searches.
  const code = `
    import { statSync, mkdirSync, writeFileSync } from 'node:fs';
    import { findProjectRoot } from ${JSON.stringify(CONFIG_TS)};
    const [base, mnt] = process.argv.slice(-2);
    mkdirSync(mnt + '/app/src', { recursive: true });
    const out = { devs: [statSync(mnt).dev, statSync(base).dev] };
    out.across = await findProjectRoot(mnt + '/app/src', '/nonexistent');
    out.same = await findProjectRoot(base + '/same/src', '/nonexistent');
    mkdirSync(mnt + '/app/.codevf');
    writeFileSync(mnt + '/app/.codevf/config.json', '{}');
    out.inside = await findProjectRoot(mnt + '/app/src', '/nonexistent');
    console.log(JSON.stringify(out));`;
  const r = inNamespace(mnt, 'exec "$1" --import tsx --input-type=module -e "$2" "$3" "$0"', process.execPath, code, base);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.not.equal(out.devs[0], out.devs[1], 'the mount is another device');
  assert.is(out.same, base, 'without a boundary the project above is found');
  assert.is(out.across, null, 'the project above the boundary is not found from inside the mount');
  assert.is(out.inside, join(mnt, 'app'), 'a project inside the mounted file system is found');
});

test.after(() => rm(base, { recursive: true, force: true }));
test.run();
