// One port for HTTP and HTTPS (and WS and WSS): the first byte of each connection says which (0x16 opens a TLS handshake).

import { STATUS_CODES } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { CLOSE_GRACE_MS, FIRST_BYTE_TIMEOUT_MS } from '../limits.js';

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
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({ error: reason, message, statusCode: status });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
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
export async function listen(app: FastifyInstance, options: { host: string; port: number; tls: { cert: string; key: string } | null }): Promise<Listener> {
  await app.ready();
  const plain = app.server;
  const secure = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, (request, response) => plain.emit('request', request, response)) : undefined;
  secure?.on('upgrade', (request, socket, head) => plain.emit('upgrade', request, socket, head));
  secure?.on('clientError', answerClientError);
  // Requests arriving over TLS must not hang the plain server's timeouts: both share fastify's handler only.

  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
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
        // A TLS socket reads the native handle directly and would never see the byte already read: give it a stream
        // that replays that chunk, then relays the connection.
        secure.emit('connection', replaying(socket, chunk));
      } else {
        socket.unshift(chunk); // the HTTP parser reads what is unshifted
        plain.emit('connection', socket);
        socket.resume();
      }
    });
    socket.on('error', () => socket.destroy());
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
        server.close(() => resolve());
        // End politely so close frames already queued (WebSocket 1001) go out; destroy what lingers.
        for (const socket of sockets) socket.end();
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, CLOSE_GRACE_MS).unref();
      }),
  };
}
