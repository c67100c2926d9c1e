// While one batch of frames is handled, what it writes to each socket is held (the socket corked) and goes out
// in one write when the batch is done: an event and the ack of its frame reach the sender in one syscall, not
// two. Nothing is reordered: a socket's writes keep their order, they only leave together.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export class WriteHold {
  private held = new Set<Socket>();
  private active = false;

  /** Runs fn with holding on; every socket written to meanwhile is flushed at the end, also if fn throws. */
  run<T>(fn: () => T): T {
    if (this.active) return fn();
    this.active = true;
    try {
      return fn();
    } finally {
      this.active = false;
      const held = [...this.held];
      this.held.clear();
      for (const s of held) s.uncork();
    }
  }

  /** Call before writing to ws: inside `run`, its socket stays corked until the batch ends. */
  hold(ws: WebSocket): void {
    if (!this.active) return;
    // ws keeps its net.Socket private; ws itself corks it around each frame, so one more level is safe.
    const socket = (ws as unknown as { _socket?: Socket | null })._socket;
    if (!socket || this.held.has(socket) || socket.destroyed) return;
    socket.cork();
    this.held.add(socket);
  }
}
