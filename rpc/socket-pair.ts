// A connected pair of Unix sockets: `theirs` to hand to a child process as its stdout or stderr, `ours` read by
// this process into one reused buffer (net.Socket `onread`). A child's output read through `stdio: 'pipe'` comes
// in a fresh 64 KiB allocation per read, freed only by the GC, in bursts; the C library gives the memory back to
// the system and takes it again, and every page faults in anew. On a 2-core VM, relaying 100 MB of output as
// JSON that way cost 575-587 ms of CPU (10,400-11,500 page faults); read into one buffer, 367-381 ms (3,100).
// The child sees the same kind of stdout either way (libuv makes a pipe a Unix socket pair too).
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Longest socket path used: what macOS keeps (Linux keeps 107 bytes). */
const MAX_PATH_BYTES = 103;

export interface ReadingPair {
  /** This process's end, paused: once resumed, its chunks go to the callback given to `readingPair`. */
  ours: net.Socket;
  /** The child's end: pass it in `stdio`, then destroy this process's copy once the child is spawned. */
  theirs: net.Socket;
}

/**
 * Makes the pair. Each chunk read is lent to `onChunk`: `chunk` is valid only until it returns (the buffer is
 * read into again), so a reader copies what it keeps. Rejects where Unix sockets cannot be made here (Windows,
 * no writable temp folder): the caller falls back to a pipe. The listening socket lives in a new folder only
 * this user can enter (mkdtemp makes it 0700), for as long as the one connection takes.
 */
export async function readingPair(bufferBytes: number, onChunk: (chunk: Buffer) => void): Promise<ReadingPair> {
  if (process.platform === 'win32') throw new Error('Unix sockets are not used on Windows');
  const dir = await mkdtemp(join(tmpdir(), 'cvf-out-'));
  const server = net.createServer({ pauseOnConnect: true });
  let ours: net.Socket | undefined;
  try {
    const path = join(dir, 's');
    // A longer path is cut short without an error (Linux keeps 107 bytes, macOS 103): the socket would be made
    // outside the 0700 folder.
    if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw new Error(`the temp folder's path is too long for a Unix socket: ${path}`);
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(path, resolve); });
    const buffer = Buffer.allocUnsafeSlow(bufferBytes);
    const socket = ours = net.connect({ path, onread: { buffer, callback: (n: number) => { onChunk(buffer.subarray(0, n)); return true; } } });
    socket.pause(); // nothing is read before the caller resumes it
    const theirs = await new Promise<net.Socket>((resolve, reject) => {
      let connected = false;
      let accepted: net.Socket | undefined;
      const settle = (err?: Error) => {
        clearTimeout(timer);
        socket.off('connect', onConnect).off('error', settle).off('close', onClose);
        server.off('connection', onConnection).off('error', settle);
        if (err) { accepted?.destroy(); reject(err); } else resolve(accepted!);
      };
      const timer = setTimeout(() => settle(new Error('no connection within 5 s')), 5000);
      const onConnect = () => { connected = true; if (accepted) settle(); };
      const onConnection = (c: net.Socket) => { accepted = c; if (connected) settle(); };
      const onClose = () => settle(new Error('the connection closed before it was made'));
      socket.on('connect', onConnect).on('error', settle).on('close', onClose);
      server.on('connection', onConnection).on('error', settle);
    });
    // Until the caller listens (it does once the child is spawned), an error must not throw: it ends the socket.
    socket.on('error', () => {});
    theirs.on('error', () => {});
    server.close();
    // Not waited for: the pair is connected, and the listening socket went with the server.
    void rm(dir, { recursive: true, force: true }).catch(() => {});
    return { ours: socket, theirs };
  } catch (err) {
    ours?.destroy();
    server.close();
    await rm(dir, { recursive: true, force: true }).catch(() => {}); // the error to report is `err`
    throw err;
  }
}
