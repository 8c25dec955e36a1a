// One port for HTTP and HTTPS (and WS and WSS): the first byte of each connection says which (0x16 opens a TLS handshake).

import { STATUS_CODES } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { SystemClock, type Clock } from '../core/clock.js';
import { ConnectionDeadlines, type ConnectionDeadline, type DeadlineLimits, type DeadlineReason } from '../guard/deadlines.js';
import { canonicalSource, SourceLimiter } from '../guard/source-limiter.js';
import {
  CLOSE_GRACE_MS,
  FIRST_BYTE_TIMEOUT_MS,
  HTTP_BODY_IDLE_TIMEOUT_MS,
  HTTP_DEADLINE_CHECK_INTERVAL_MS,
  HTTP_HEAD_TIMEOUT_MS,
  HTTP_IDLE_TIMEOUT_MS,
  MAX_CONNECTIONS_PER_SOURCE,
  TLS_HANDSHAKE_TIMEOUT_MS,
} from '../limits.js';

const TLS_HANDSHAKE = 0x16;

/** A duplex over `socket` that first yields `head` (already read from it). Back-pressure flows both ways. */
function replaying(socket: Socket, head: Buffer): Duplex {
  const duplex = new Duplex({
    read: () => socket.resume(),
    write: (chunk: Buffer, _encoding, callback) => socket.write(chunk, callback),
    final: (callback) => socket.end(callback),
    destroy: (error, callback) => {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(head);
  socket.on('data', (data: Buffer) => {
    if (!duplex.push(data)) socket.pause();
  });
  let ended = false;
  socket.on('end', () => {
    ended = true;
    duplex.push(null);
  });
  // After a clean end, what was pushed is still to be read by TLS (a client may send a request and close at once):
  // destroying now would drop it. The duplex ends by itself once read. Without an end, the connection broke.
  socket.on('close', () => {
    if (!ended) duplex.destroy();
  });
  socket.on('error', (error) => duplex.destroy(error));
  return duplex;
}

/**
 * Requests the HTTP parser refuses get the same answer over TLS as fastify gives in plain HTTP (head over 16 KiB: 431,
 * malformed: 400). Node's fallback stays silent on a TLS socket (the handshake already wrote bytes), and fastify's
 * handler destroys the socket before encrypted bytes can leave: here the answer is flushed, then the socket closed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // The parser reports again for every later chunk of the same request: the first answer stands.
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Exceeded maximum allowed HTTP header size'] : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Client Timeout'] : [400, 'Client Error'];
  answerAndClose(socket, status, message);
}

/** Writes a JSON error response straight to the connection (no request object owns it), then closes it. */
function answerAndClose(socket: Duplex, status: number, message: string): void {
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({ error: reason, message, statusCode: status });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

const DEADLINE_MESSAGES: Record<Exclude<DeadlineReason, 'idle'>, string> = {
  head: 'the request head did not arrive in time',
  body: 'the request body stopped arriving',
};

/** How slow connections are cut off; every figure defaults to its constant in src/limits.ts (tests shorten them). */
export interface ConnectionGuardOptions {
  deadlines?: Partial<DeadlineLimits>;
  tlsHandshakeTimeoutMs?: number;
  maxConnectionsPerSource?: number;
  /** Time for the deadlines; real time unless a test drives it. */
  clock?: Clock;
}

/**
 * Connection deadlines for the HTTP servers that never listen() themselves (so Node's own header and request
 * timeouts never start): each connection is watched from its start (plain) or its TLS handshake's end; the servers'
 * request, response and upgrade events move it through its phases.
 */
class HttpDeadlines {
  readonly deadlines: ConnectionDeadlines;
  private readonly watched = new WeakMap<object, { deadline: ConnectionDeadline; response?: { headersSent: boolean } }>();

  constructor(plain: FastifyInstance['server'], options: ConnectionGuardOptions) {
    this.deadlines = new ConnectionDeadlines(options.clock ?? new SystemClock(), {
      headMs: HTTP_HEAD_TIMEOUT_MS,
      bodyIdleMs: HTTP_BODY_IDLE_TIMEOUT_MS,
      idleMs: HTTP_IDLE_TIMEOUT_MS,
      checkIntervalMs: HTTP_DEADLINE_CHECK_INTERVAL_MS,
      ...options.deadlines,
    });
    // TLS requests are forwarded to the plain server, so these see both; req.socket is the connection being watched.
    plain.on('request', (request, response) => {
      const entry = this.watched.get(request.socket);
      if (!entry) return;
      entry.response = response;
      entry.deadline.headComplete(() => request.complete);
      let answered = false;
      const done = () => {
        if (answered) return;
        answered = true;
        entry.deadline.answered();
      };
      response.once('finish', done);
      response.once('close', done);
    });
    // An upgraded connection (WebSocket) has its own liveness (pings): it leaves the HTTP deadlines.
    plain.on('upgrade', (request) => this.watched.get(request.socket)?.deadline.release());
  }

  /** Watches `socket`, the stream HTTP is spoken on (the TCP socket, or the TLS socket over it). */
  watch(socket: Socket | TLSSocket): ConnectionDeadline {
    const entry: { deadline: ConnectionDeadline; response?: { headersSent: boolean } } = {
      deadline: this.deadlines.watch({
        bytesRead: () => socket.bytesRead,
        expire: (reason) => {
          // A response already under way cannot be replaced by a 408: the connection is only closed.
          if (reason === 'idle' || entry.response?.headersSent === true || !socket.writable) socket.destroy();
          else answerAndClose(socket, 408, DEADLINE_MESSAGES[reason]);
        },
      }),
    };
    this.watched.set(socket, entry);
    socket.once('close', () => entry.deadline.release());
    return entry.deadline;
  }
}

export interface Listener {
  address(): AddressInfo;
  /** Stops accepting, then ends every open connection. */
  close(): Promise<void>;
}

/**
 * Serves `app` on host:port. With `tls`, a connection whose first byte starts a TLS handshake is handed to an HTTPS
 * server running the same routes (WebSocket upgrades included); anything else is plain HTTP. Clients that mix
 * schemes (an `http://` base URL with a hard-coded `wss://` socket) therefore reach the same server.
 */
export async function listen(
  app: FastifyInstance,
  options: { host: string; port: number; tls: { cert: string; key: string } | null; guard?: ConnectionGuardOptions },
): Promise<Listener> {
  await app.ready();
  const plain = app.server;
  const guard = options.guard ?? {};
  const secure = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, handshakeTimeout: guard.tlsHandshakeTimeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS }, (request, response) =>
        plain.emit('request', request, response),
      )
    : undefined;
  secure?.on('upgrade', (request, socket, head) => plain.emit('upgrade', request, socket, head));
  secure?.on('clientError', answerClientError);
  // Requests arriving over TLS must not hang the plain server's timeouts: both share fastify's handler only.
  const deadlines = new HttpDeadlines(plain, guard);
  // After its handshake a TLS connection is watched like a plain one: a silent one meets the head deadline.
  secure?.on('secureConnection', (socket: TLSSocket) => deadlines.watch(socket));
  const sources = new SourceLimiter(guard.maxConnectionsPerSource ?? MAX_CONNECTIONS_PER_SOURCE);

  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    const source = canonicalSource(socket.remoteAddress);
    if (!sources.acquire(source)) {
      socket.destroy(); // nothing read, nothing answered: the cheapest refusal
      return;
    }
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      sources.release(source);
    });
    socket.on('error', () => socket.destroy());
    // The head deadline counts from the connection's start, the first byte included.
    const deadline = deadlines.watch(socket);
    if (!secure) {
      plain.emit('connection', socket);
      return;
    }
    // A client that connects and sends nothing is not kept forever.
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      if (chunk[0] === TLS_HANDSHAKE) {
        // The handshake has its own timeout; the TLS socket is watched once it is established.
        deadline.release();
        // A TLS socket reads the native handle directly and would never see the byte already read: give it a stream
        // that replays that chunk, then relays the connection.
        secure.emit('connection', replaying(socket, chunk));
      } else {
        socket.unshift(chunk); // the HTTP parser reads what is unshifted
        plain.emit('connection', socket);
        socket.resume();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    address: () => server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        deadlines.deadlines.stop();
        server.close(() => resolve());
        // End politely so close frames already queued (WebSocket 1001) go out; destroy what lingers.
        for (const socket of sockets) socket.end();
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, CLOSE_GRACE_MS).unref();
      }),
  };
}
