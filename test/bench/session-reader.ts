// bench:session's front-end side alone: 100 MB of command_output notifications (Content-Length frames, as the
// agent writes them) fed through a real pipe by `cat`, into each client a front end can use. Tells whether the
// front end could keep up with a relay of >= 100 MB/s, whatever the agent's own speed; `cat` alone is the ceiling.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { connectAgent } from '../../frontends/client/agent-connection.js';
import { CommandOutputNote } from '../../protocol/methods/session.js';
import { Peer } from '../../rpc/peer.js';
import { createTransport } from '../../rpc/transport.js';

const MB = 1024 * 1024;

type Reader = 'cat alone' | 'project peer' | 'vscode-jsonrpc + project reader' | 'vscode-jsonrpc + stock reader';

/** Reads `file` through `cat` into the given client; resolves with MB/s of `data` received and the CPU seconds spent. */
function readThrough(file: string, frames: number, kind: Reader): Promise<{ rate: number; cpu: number }> {
  const p = spawn('cat', [file], { stdio: ['ignore', 'pipe', 'ignore'] });
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  let chars = 0;
  let n = 0;
  return new Promise((resolve) => {
    const finish = () => {
      const c = process.cpuUsage(cpu0);
      resolve({ rate: chars / MB / ((performance.now() - t) / 1000), cpu: (c.user + c.system) / 1e6 });
    };
    const got = (data: string) => { chars += data.length; if (++n === frames) finish(); };
    if (kind === 'cat alone') {
      p.stdout.on('data', (c: Buffer) => { chars += c.length; }).on('end', finish);
    } else if (kind === 'project peer') {
      new Peer(createTransport(p.stdout, new PassThrough(), 'content-length')).onNotification(CommandOutputNote, (o) => got(o.data));
    } else {
      const conn = connectAgent(p.stdout, new PassThrough(), { reader: kind === 'vscode-jsonrpc + stock reader' ? 'stock' : 'project' });
      conn.onNotification(CommandOutputNote, (o) => { got(o.data); if (n === frames) conn.dispose(); });
    }
  });
}

export async function readerBench(size: number) {
  const dir = await mkdtemp(join(tmpdir(), 'cvf-reader-'));
  try {
    const line = 'a line of build output, nothing secret in it 0123456789\n';
    const data = line.repeat(Math.ceil(65536 / line.length)).slice(0, 65536);
    const body = JSON.stringify({ jsonrpc: '2.0', method: CommandOutputNote.method,
      params: { taskId: 't_bench', requestId: 'r_bench', stream: 'stdout', data, redactions: 0 } });
    const frame = `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const frames = Math.ceil(size / data.length);
    const file = join(dir, 'frames');
    await writeFile(file, frame.repeat(frames));
    console.log(`  front end alone: ${frames} command_output frames of 64 KiB (${(frames * data.length / MB).toFixed(0)} MB of output) from \`cat\` through a pipe`);
    for (const kind of ['cat alone', 'project peer', 'vscode-jsonrpc + project reader', 'vscode-jsonrpc + stock reader'] as Reader[]) {
      const { rate, cpu } = await readThrough(file, frames, kind);
      console.log(`    ${kind.padEnd(32)} ${rate.toFixed(1).padStart(7)} MB/s, ${cpu.toFixed(2)} s CPU in this process`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
