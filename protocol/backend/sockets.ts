// How the sandbox closes a task WebSocket, declared once for the backend and the agent (RFC 6455 section 7.4:
// 4000-4999 belong to the application).

/** Close codes of the task sockets and what a client should do on each. */
export const SocketClose = {
  /** The session ended: do not reconnect. */
  sessionEnded: { code: 1000, reason: 'session ended' },
  /** The server is stopping: reconnect later with `?after=` the last seq received. */
  serverShutdown: { code: 1001, reason: 'server shutting down' },
  /** The reader stayed behind too long (it did not read what was sent): reconnect with `?after=` the last
   *  seq received; nothing is lost, the rest is replayed from the stored log. */
  readerBehind: { code: 4008, reason: 'reader behind' },
  /** The login behind the socket was revoked, signed out, or its refresh token replayed: reconnecting cannot
   *  help; stop and ask the user to sign in again. */
  authRevoked: { code: 4401, reason: 'sign in again' },
  /** The token (or web session) that opened the socket expired: get a fresh access token (refresh it) and
   *  reconnect with `?after=` the last seq received; only when it cannot be refreshed, sign in again. */
  tokenExpired: { code: 4440, reason: 'token expired' },
} as const;
