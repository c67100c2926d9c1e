import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes, SNAPSHOT_SHA256_HEADER } from '../../protocol/backend/index.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { OTHER_CUSTOMER, post, tokenFor } from './_util.js';

const test = suite('backend projects and snapshots');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox({ args: ['--seed-extra', '--max-snapshot-mb', '1', '--max-snapshots-mb-per-account', '2'] }); });
test.after(async () => { await sb?.stop(); });

const init = (extra: object = {}) => post(sb, routes.projects.init.path(), { name: 'shop', type: 'node', testCommand: 'npm test', uploadCode: true, ...extra }, {});
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Streams a body with node:http (as the agent does), in chunks. */
function upload(projectId: string, body: Buffer, digest: string | null, token = sb.customerToken): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/zip' };
    if (digest) headers[SNAPSHOT_SHA256_HEADER] = digest;
    const req = request(`${sb.url}${routes.projects.uploadSnapshot.path()}?projectId=${projectId}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; }).on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', (e) => (e as NodeJS.ErrnoException).code === 'EPIPE' || (e as NodeJS.ErrnoException).code === 'ECONNRESET'
      ? undefined : reject(e));
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    req.end();
  });
}

test('init registers a project with defaults; get returns it', async () => {
  const r = await init();
  assert.is(r.status, 200);
  const { projectId, createdAt, ...rest } = r.body;
  assert.match(projectId, /^prj_/);
  assert.equal(rest, { name: 'shop', type: 'node', testCommand: 'npm test', buildCommand: null, allowedAiTools: [],
    uploadCode: true, codevfBranchOnly: true, lastSync: null });
  const got = await api(sb.url, 'GET', routes.projects.get.path(projectId), { token: sb.customerToken });
  assert.equal(got.body, r.body);
});

test('init with a bad field is a 400 naming it', async () => {
  const r = await init({ allowedAiTools: ['sky net'] });
  assert.equal([r.status, r.body.error.code], [400, 'invalid_body']);
  assert.match(r.body.error.message, /body\.allowedAiTools\.0/);
});

test('sync records branch and HEAD; other branches are refused when engineers see only codevf', async () => {
  const { projectId } = (await init()).body;
  const head = 'a'.repeat(40);
  const wrong = await post(sb, routes.projects.sync.path(), { projectId, branch: 'main', headCommit: head }, {});
  assert.equal([wrong.status, wrong.body.error.code], [409, 'wrong_branch']);
  const ok = await post(sb, routes.projects.sync.path(), { projectId, branch: 'codevf', headCommit: head }, {});
  assert.equal([ok.body.lastSync.branch, ok.body.lastSync.headCommit], ['codevf', head]);
  const bad = await post(sb, routes.projects.sync.path(), { projectId, branch: 'codevf', headCommit: 'xyz' }, {});
  assert.match(bad.body.error.message, /body\.headCommit/);
});

test('a snapshot upload is stored when its checksum matches; the same content twice is one snapshot', async () => {
  const { projectId } = (await init()).body;
  const zip = randomBytes(300 * 1024);
  const r = await upload(projectId, zip, sha(zip));
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal([r.body.projectId, r.body.size, r.body.sha256], [projectId, zip.length, sha(zip)]);
  const again = await upload(projectId, zip, sha(zip));
  assert.is(again.body.snapshotId, r.body.snapshotId);
  assert.equal(readdirSync(join(sb.dataDir, 'snapshots', projectId)), [`${sha(zip)}.zip`]);
});

test('a damaged upload is a 400 checksum_mismatch and leaves nothing behind', async () => {
  const { projectId } = (await init()).body;
  const zip = randomBytes(10_000);
  const r = await upload(projectId, zip, sha(Buffer.from('other')));
  assert.equal([r.status, r.body.error.code], [400, 'checksum_mismatch']);
  const none = await upload(projectId, zip, null);
  assert.equal([none.status, none.body.error.code], [400, 'checksum_missing']);
  assert.equal(readdirSync(join(sb.dataDir, 'snapshots', projectId)), []);
});

test('an upload over the limit is a 413', async () => {
  const { projectId } = (await init()).body;
  const zip = randomBytes(1024 * 1024 + 1);
  const r = await upload(projectId, zip, sha(zip));
  assert.equal([r.status, r.body.error.code], [413, 'payload_too_large']);
});

test('the snapshots of one account stay under its quota: the upload that would pass it is a 413', async () => {
  const other = await tokenFor(sb.url, OTHER_CUSTOMER, ['projects']);
  const { projectId } = (await post(sb, routes.projects.init.path(), { name: 'q', type: 'node', uploadCode: true }, {}, other)).body;
  const sizes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const body = randomBytes(900 * 1024);
    const r = await upload(projectId, body, sha(body), other);
    sizes.push(r.status === 200 ? r.body.size : r.body.error.code);
  }
  assert.equal(sizes, [900 * 1024, 900 * 1024, 'snapshot_quota_exceeded']);
});

test('uploads need the project to allow code upload and to be mine', async () => {
  const { projectId } = (await init({ uploadCode: false })).body;
  const zip = Buffer.from('zip');
  const r = await upload(projectId, zip, sha(zip));
  assert.equal([r.status, r.body.error.code], [409, 'upload_not_allowed']);
  const other = await tokenFor(sb.url, OTHER_CUSTOMER, ['projects']);
  const mine = (await init()).body.projectId;
  const theirs = await upload(mine, zip, sha(zip), other);
  assert.equal([theirs.status, theirs.body.error.code], [404, 'not_found']);
});

test('the checksum may come as an HTTP trailer when the client streams without knowing it first', async () => {
  const { projectId } = (await init()).body;
  const zip = randomBytes(200_000);
  const send = (digest: string) => new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request(`${sb.url}${routes.projects.uploadSnapshot.path()}?projectId=${projectId}`, { method: 'POST', headers: {
      authorization: `Bearer ${sb.customerToken}`, 'content-type': 'application/zip', trailer: SNAPSHOT_SHA256_HEADER } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; }).on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.write(zip);
    req.addTrailers({ [SNAPSHOT_SHA256_HEADER]: digest });
    req.end();
  });
  const ok = await send(sha(zip));
  assert.equal([ok.status, ok.body.sha256], [200, sha(zip)]);
  const bad = await send('0'.repeat(64));
  assert.equal([bad.status, bad.body.error.code], [400, 'checksum_mismatch']);
});

test.run();
