// What happens when a WebSocket (event socket, console feed) fails: a client's protocol error is a rate-limited warning.

import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { WarningLimiter } from '../../guard/warning-limiter.js';

/** Socket errors that are the peer's doing: ws's frame-level refusals (`WS_ERR_*`) and a connection it broke. */
function isClientError(error: NodeJS.ErrnoException): boolean {
  return typeof error.code === 'string' && (error.code.startsWith('WS_ERR_') || error.code === 'ECONNRESET' || error.code === 'EPIPE');
}

/**
 * The websocket plugin's error handler. A bad mask, opcode, UTF-8 or an oversized frame is the client's fault: one
 * warning line (code and message, no stack), at most so many per minute whoever sends them, so a token holder cannot
 * flood the log. Anything else is ours and logged as an error with its stack. The socket is terminated either way
 * (ws has already sent the close code that fits, 1002/1007/1009).
 */
export function socketErrorHandler(warnings: WarningLimiter) {
  return (error: Error, socket: WebSocket, request: FastifyRequest): void => {
    const coded = error as NodeJS.ErrnoException;
    if (isClientError(coded)) {
      warnings.warn('websocket-client-error', { reqId: request.id, code: coded.code, reason: error.message }, 'websocket client protocol error: socket closed');
    } else {
      request.log.error({ err: error }, 'websocket failed');
    }
    socket.terminate();
  };
}
