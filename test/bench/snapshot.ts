// bench:snapshot — the snapshot zip against `git archive --format=zip HEAD` on this repository (a clean
// clone) and on a generated one, plus a 200 MB upload to a loopback server, all in one run, as ratios.
// Each measured command runs in its own process under /usr/bin/time -v for its peak memory.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** BENCH_PART=upload runs only the upload and redactor parts; BENCH_PART=deflate only the deflater comparison. */
const PART = process.env.BENCH_PART ?? 'all';
const UPLOAD_MB = 200;
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

// ---- child modes: the measured work, in a bundled script run by plain node ----
async function child(mode: string, args: string[]): Promise<void> {
  if (mode === 'snapshot') {
    // The first snapshot of a fresh process is an agent's first upload (code not yet optimised by V8);
    // with `twice`, a second one shows the steady state. Modules load once per agent, before either.
    const { createSnapshot } = await import('../../agent/snapshot/index.js');
    const deflater = args[3] === 'portable' ? 'portable' as const : 'auto' as const;
    const once = async () => {
      const t0 = performance.now();
      const r = await (await createSnapshot(args[0], { deflater })).pipeTo(fs.createWriteStream(args[1]));
      return { ms: performance.now() - t0, bytes: r.bytes, files: r.manifest.included.length };
    };
    const first = await once();
    const again = args[2] === 'twice' ? await once() : null;
    report({ ...first, ...(again ? { warmMs: again.ms } : {}) });
  } else if (mode === 'upload') {
    // The product's upload path: the agent's HttpClient, the body either a file stream read in 1 MiB chunks
    // or a writer into the request (what the snapshot upload gives it) from four reused 1 MiB buffers.
    const { HttpClient } = await import('../../agent/net/http.js');
    const url = new URL(args[1]);
    const http = new HttpClient({ baseUrl: url.origin, token: args[4] ? () => args[4] : undefined });
    const t0 = performance.now();
    const size = fs.statSync(args[0]).size;
    await http.upload('POST', url.pathname + url.search, {
      body: args[3] === 'stream' ? () => fs.createReadStream(args[0], { highWaterMark: 1 << 20 }) : { writeTo: (req) => writeFileInto(args[0], req) },
      contentLength: size, contentType: 'application/zip', headers: { 'x-content-sha256': args[2] },
    });
    http.close();
    report({ ms: performance.now() - t0, bytes: size, status: 200 });
  } else if (mode === 'server') {
    await serve(args[0], args[1] === 'discard');
  }
}

/**
 * Writes a file into `dest` from a few reused buffers: each is read again only once its bytes have left for the
 * socket (the write callback), so nothing is allocated per chunk (no garbage to collect) and reading overlaps sending.
 */
async function writeFileInto(file: string, dest: import('node:stream').Writable, chunk = 1 << 20, depth = 4): Promise<void> {
  const fh = await fs.promises.open(file, 'r');
  const closed = new Promise<never>((_, reject) => dest.once('close', () => reject(new Error('the request closed'))));
  closed.catch(() => {});
  try {
    const bufs = Array.from({ length: depth }, () => Buffer.allocUnsafeSlow(chunk));
    const sent: Array<Promise<void>> = bufs.map(() => Promise.resolve());
    for (let k = 0; ; k = (k + 1) % depth) {
      await Promise.race([sent[k], closed]);
      const { bytesRead } = await fh.read(bufs[k], 0, chunk, null);
      if (!bytesRead) break;
      sent[k] = new Promise((resolve, reject) => dest.write(bufs[k].subarray(0, bytesRead), (e) => (e ? reject(e) : resolve())));
      sent[k].catch(() => {});
    }
    await Promise.race([Promise.all(sent), closed]);
  } finally {
    await fh.close();
  }
}

function report(o: Record<string, number>): void {
  process.stdout.write(JSON.stringify({ ...o, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
}

/** The upload target: streams the body to disk (or nowhere), hashing it, like the sandbox route. */
async function serve(dir: string, discard: boolean): Promise<void> {
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    const out = fs.createWriteStream(discard ? '/dev/null' : path.join(dir, 'received.bin'), { highWaterMark: 1 << 20 });
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; hash.update(c); });
    req.pipe(out).on('finish', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ size, sha256: hash.digest('hex') }));
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
  process.stdin.on('end', () => server.close());
  process.stdin.resume();
}

// ---- measuring ----
interface Run { wallMs: number; rssMiB: number; inProcMs?: number; warmMs?: number }

function measure(cmd: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): Run {
  const t0 = performance.now();
  const o = { cwd, encoding: 'utf8' as const, env: { ...process.env, ...env } };
  const r = TIME ? spawnSync(TIME, ['-v', cmd, ...args], o) : spawnSync(cmd, args, o);
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const child = /^\{.*\}$/m.exec(r.stdout ?? '')?.[0];
  const parsed = child ? JSON.parse(child) as { ms: number; warmMs?: number; maxRssKiB: number } : null;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '')?.[1];
  const rssKiB = rss ? Number(rss) : parsed?.maxRssKiB ?? NaN;
  return { wallMs, rssMiB: rssKiB / 1024, inProcMs: parsed?.ms, warmMs: parsed?.warmMs };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const fmt = (n: number, d = 0) => n.toFixed(d);

async function bundleSelf(dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const out = path.join(dir, 'bench-child.mjs');
  await build({
    entryPoints: [fileURLToPath(import.meta.url)], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    external: ['esbuild'], logLevel: 'warning', banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return out;
}

/** git archive's median time per repository, for the end-to-end comparison. */
const gitArchiveMs = new Map<string, number>();

function compareZip(name: string, repo: string, bundle: string, dir: string, runs = RUNS): string[] {
  const gitZip = path.join(dir, `${name}-git.zip`);
  const ourZip = path.join(dir, `${name}-snap.zip`);
  const g: Run[] = [];
  const s: Run[] = [];
  const twice: Run[] = [];
  for (let i = 0; i < runs; i++) {
    g.push(measure('git', ['archive', '--format=zip', '-o', gitZip, 'HEAD'], repo));
    s.push(measure(process.execPath, [bundle, 'snapshot', repo, ourZip]));
    twice.push(measure(process.execPath, [bundle, 'snapshot', repo, ourZip, 'twice']));
  }
  const gw = median(g.map((r) => r.wallMs));
  gitArchiveMs.set(repo, gw);
  const [sw, first, warm] = [median(s.map((r) => r.wallMs)), median(s.map((r) => r.inProcMs!)), median(twice.map((r) => r.warmMs!))];
  const [gr, sr] = [median(g.map((r) => r.rssMiB)), Math.max(...s.map((r) => r.rssMiB))];
  const [gs, ss] = [fs.statSync(gitZip).size, fs.statSync(ourZip).size];
  const list = (zip: string) => execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter((l) => l && !l.endsWith('/'));
  const [ours, theirs] = [list(ourZip), list(gitZip)];
  return [
    `${name}: ${ours.length} files in the snapshot zip, ${theirs.length} in git archive's (which also holds folder entries)`,
    `  git archive                                  ${fmt(gw)} ms   ${fmt(gr)} MiB   ${fmt(gs / 1e6, 2)} MB`,
    `  snapshot, an agent's first (in-process)      ${fmt(first)} ms   ${fmt(sr)} MiB (highest of ${runs})   ${fmt(ss / 1e6, 2)} MB`,
    `  snapshot, an agent's next (in-process)       ${fmt(warm)} ms`,
    `  snapshot, whole process with node's startup  ${fmt(sw)} ms`,
    `  ratios to git archive: time ${fmt(first / gw, 2)}x first, ${fmt(warm / gw, 2)}x next, ${fmt(sw / gw, 2)}x whole process (goal <= 1.5x); `
      + `peak RSS ${fmt(sr)} MiB (goal <= 100); size ${(ss >= gs ? '+' : '') + fmt((ss / gs - 1) * 100, 2)}% (goal within 2%)`,
  ];
}

async function writeBigFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < UPLOAD_MB; i++) {
    const chunk = i % 4 === 0 ? randomBytes(1 << 20) : Buffer.alloc(1 << 20, i);
    hash.update(chunk);
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
  return hash.digest('hex');
}

async function compareUpload(bundle: string, dir: string, file: string, sha: string, discard: boolean): Promise<string[]> {
  const recvDir = fs.mkdtempSync(path.join(dir, 'recv-'));
  const server = spawn(process.execPath, [bundle, 'server', recvDir, discard ? 'discard' : 'disk'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      server.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
      server.once('exit', () => reject(new Error('upload server exited')));
    });
    const url = `http://127.0.0.1:${port}/api/cli/upload-repo-snapshot?projectId=bench`;
    return uploadRuns(bundle, file, sha, url, undefined, `a loopback server ${discard ? 'that discards the body (client limit)' : 'streaming to disk'}`);
  } finally {
    server.stdin.end();
    server.kill();
  }
}

/** The sandbox's own route: token and project checked, SHA-256 verified from the header, the zip stored on disk. */
async function uploadToSandbox(bundle: string, file: string, sha: string): Promise<string[]> {
  const { startSandbox } = await import('../helpers/sandbox.js');
  const sb = await startSandbox({ args: ['--max-snapshot-mb', String(UPLOAD_MB * 2)] });
  try {
    const res = await fetch(`${sb.url}/api/cli/project/init`, {
      method: 'POST', headers: { authorization: `Bearer ${sb.customerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', type: 'node', uploadCode: true }),
    });
    const { projectId } = await res.json() as { projectId: string };
    const url = `${sb.url}/api/cli/upload-repo-snapshot?projectId=${projectId}`;
    return await uploadRuns(bundle, file, sha, url, sb.customerToken, 'the sandbox (its upload route: auth, project, SHA-256 verified, stored on disk)');
  } finally {
    await sb.stop();
  }
}

async function uploadRuns(bundle: string, file: string, sha: string, url: string, token: string | undefined, where: string): Promise<string[]> {
  const writer: Run[] = [];
  const stream: Run[] = [];
  const curl: Run[] = [];
  const auth = token ? ['-H', `authorization: Bearer ${token}`] : [];
  const clients = [
    () => writer.push(measure(process.execPath, [bundle, 'upload', file, url, sha, 'writer', ...(token ? [token] : [])])),
    () => stream.push(measure(process.execPath, [bundle, 'upload', file, url, sha, 'stream', ...(token ? [token] : [])])),
    () => curl.push(measure('curl', ['-sS', '-f', '-o', '/dev/null', '-X', 'POST', '-T', file, '-H', `x-content-sha256: ${sha}`, ...auth, url])),
  ];
  // The order turns each round: whoever runs right after a 200 MB write to disk meets the kernel's write-back.
  for (let i = 0; i < Math.max(3, RUNS - 2); i++) for (let j = 0; j < clients.length; j++) clients[(i + j) % clients.length]();
  const size = fs.statSync(file).size;
  const rate = (runs: Run[]) => size / 1e6 / (median(runs.map((r) => r.inProcMs!)) / 1000);
  const curlMbps = size / 1e6 / (median(curl.map((r) => r.wallMs)) / 1000);
  const line = (name: string, runs: Run[]) => `  HttpClient.upload, ${name} ${fmt(rate(runs))} MB/s   `
    + `${fmt(Math.max(...runs.map((r) => r.rssMiB)))} MiB peak; ratio to curl ${fmt(rate(runs) / curlMbps, 2)}x`;
  return [
    `upload of ${UPLOAD_MB} MiB to ${where} (goal: >= 0.9x curl, flat memory)`,
    `  curl -T (whole process)     ${fmt(curlMbps)} MB/s   ${fmt(median(curl.map((r) => r.rssMiB)))} MiB`,
    line('a writer from reused buffers (in-process)', writer),
    line('a file stream (in-process)               ', stream),
  ];
}

/** The streaming redactor on 200 MB of ordinary command output (it must keep up with >= 100 MB/s). */
async function redactThroughput(): Promise<string[]> {
  const { StreamRedactor } = await import('../../agent/security/redact.js');
  const line = 'npm info run esbuild@0.28.2 postinstall node_modules/esbuild (took 123ms) src/foo/bar.ts:12:5 - warning TS6133\n';
  const samples: [string, Buffer][] = [['build log lines', Buffer.from(line.repeat(Math.ceil(65536 / line.length)))], ['`yes` output', Buffer.from('y\n'.repeat(32768))]];
  return samples.map(([name, chunk]) => {
    const rates: number[] = [];
    for (let run = 0; run < 3; run++) {
      const r = new StreamRedactor();
      const t0 = performance.now();
      let n = 0;
      while (n < 200e6) { r.push(chunk); n += chunk.length; }
      r.flush();
      rates.push(n / 1e6 / ((performance.now() - t0) / 1000));
    }
    return `streaming redactor, ${name} in 64 KiB chunks: ${fmt(median(rates))} MB/s (goal >= 100 MB/s)`;
  });
}

async function zipComparisons(bundle: string, dir: string, lines: string[]): Promise<void> {
  const self = path.join(dir, 'self');
  execFileSync('git', ['clone', '-q', '--no-hardlinks', process.cwd(), self]);
  const { generateManyFiles, generateRepo } = await import('../snapshot/gen-repo.js');
  const real = ['zod', 'ajv', 'typescript', 'playwright-core', '@types/node', 'vscode-jsonrpc', 'ws']
    .map((p) => path.join(process.cwd(), 'node_modules', p)).filter((p) => fs.existsSync(p));
  const gen = await generateRepo(path.join(dir, 'gen'), { copyFrom: real });
  lines.push(...compareZip('this repository (clean clone)', self, bundle, dir));
  lines.push(...compareZip(`generated + installed packages' real code (${gen.files} files, ${fmt(gen.bytes / 1e6, 1)} MB)`, path.join(dir, 'gen'), bundle, dir));
  // Three times more files and bytes: does peak memory stay flat?
  const big = await generateRepo(path.join(dir, 'gen3'), { scale: 3 });
  lines.push(...compareZip(`generated x3 (${big.files} files, ${fmt(big.bytes / 1e6, 1)} MB), 3 runs`, path.join(dir, 'gen3'), bundle, dir, 3));
  fs.rmSync(path.join(dir, 'gen3'), { recursive: true, force: true });
  // Many small files: the manifest and the central directory grow with the count; does memory?
  const many = await generateManyFiles(path.join(dir, 'many'), 60_000);
  lines.push(...compareZip(`generated, ${many.files} small files (${fmt(many.bytes / 1e6, 1)} MB), 3 runs`, path.join(dir, 'many'), bundle, dir, 3));
  fs.rmSync(path.join(dir, 'many'), { recursive: true, force: true });
}

/** The product's path: a real agent process answering uploadSnapshot, zipping straight into the sandbox. */
async function agentUpload(repo: string, runs = 3): Promise<string[]> {
  const { startSandbox } = await import('../helpers/sandbox.js');
  const { typedAgent } = await import('../helpers/agent.js');
  const { tempEnv } = await import('../helpers/env.js');
  const { Init, UploadSnapshot } = await import('../../protocol/index.js');
  const sb = await startSandbox({ args: ['--max-snapshot-mb', '1000'] });
  const e = tempEnv(sb.url, { CODEVF_TOKEN: sb.customerToken });
  const times: number[] = [];
  const peaks: number[] = [];
  let size = 0;
  try {
    for (let i = 0; i < runs; i++) {
      const a = await typedAgent({ env: e.env, cwd: repo });
      if (i === 0) await a.request(Init, { uploadCode: true });
      const t0 = performance.now();
      const r = await a.request(UploadSnapshot, {});
      times.push(performance.now() - t0);
      size = r.size;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${a.proc.pid}/status`, 'utf8'))?.[1];
      peaks.push(Number(hwm) / 1024);
      await a.close();
    }
  } finally {
    await sb.stop();
    e.cleanup();
  }
  const ms = median(times);
  return [
    `uploadSnapshot through a fresh agent process into the sandbox (the generated repository, ${runs} runs)`,
    `  ${fmt(ms)} ms listing, zipping and uploading ${fmt(size / 1e6, 2)} MB of zip: ${fmt(ms / (gitArchiveMs.get(repo) ?? NaN), 2)}x git archive's time `
      + `to a local file; agent peak RSS ${fmt(Math.max(...peaks))} MiB, all its modules included (goal <= 100)`,
  ];
}

/**
 * agent/snapshot/deflate.ts drives zlib's private handle; the public deflateRawSync path stays only as the
 * fallback unless it is measurably worse: more than 1.3x the time, or a peak over 100 MiB.
 */
async function compareDeflaters(bundle: string, dir: string): Promise<string[]> {
  const { generateManyFiles, generateRepo } = await import('../snapshot/gen-repo.js');
  const real = ['zod', 'ajv', 'typescript', 'playwright-core', '@types/node', 'vscode-jsonrpc', 'ws']
    .map((p) => path.join(process.cwd(), 'node_modules', p)).filter((p) => fs.existsSync(p));
  const gen = await generateRepo(path.join(dir, 'dgen'), { copyFrom: real });
  const many = await generateManyFiles(path.join(dir, 'dmany'), 30_000);
  const lines = [`deflater: zlib's private handle, reused (kept) against public deflateRawSync per entry (Node ${process.versions.node})`];
  for (const [name, repo] of [[`generated + real packages (${gen.files} files)`, 'dgen'], [`${many.files} small files`, 'dmany']] as const) {
    const zip = path.join(dir, 'd.zip');
    const runs = (kind: string) => Array.from({ length: RUNS }, () => measure(process.execPath, [bundle, 'snapshot', path.join(dir, repo), zip, 'once', kind]));
    const [priv, pub] = [runs('auto'), runs('portable')];
    const [pt, ut] = [median(priv.map((r) => r.inProcMs!)), median(pub.map((r) => r.inProcMs!))];
    const [pm, um] = [Math.max(...priv.map((r) => r.rssMiB)), Math.max(...pub.map((r) => r.rssMiB))];
    lines.push(`  ${name}: private ${fmt(pt)} ms / ${fmt(pm)} MiB peak; public ${fmt(ut)} ms / ${fmt(um)} MiB peak: `
      + `public takes ${fmt(ut / pt, 2)}x the time (keep if > 1.3) and peaks ${um > 100 ? 'over' : 'under'} 100 MiB`);
  }
  return lines;
}

async function main(): Promise<void> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cvf-bench-snap-')));
  try {
    const bundle = await bundleSelf(dir);
    const lines = [`bench:snapshot (${RUNS} runs each, medians; peak memory from ${TIME ? '/usr/bin/time -v' : 'resourceUsage'})`];
    if (PART === 'deflate') {
      process.stdout.write([...lines, ...await compareDeflaters(bundle, dir)].join('\n') + '\n');
      return;
    }
    if (PART !== 'upload') {
      await zipComparisons(bundle, dir, lines);
      lines.push(...await agentUpload(path.join(dir, 'gen')));
    }
    const file = path.join(dir, 'upload.zip');
    const sha = await writeBigFile(file);
    lines.push(...await uploadToSandbox(bundle, file, sha));
    lines.push(...await compareUpload(bundle, dir, file, sha, false));
    lines.push(...await compareUpload(bundle, dir, file, sha, true));
    lines.push(...await redactThroughput());
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, ...args] = process.argv.slice(2);
(mode ? child(mode, args) : main()).catch((err) => { process.stderr.write(`${err?.stack ?? err}\n`); process.exit(1); });
