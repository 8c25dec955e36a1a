// Keeps WebSocket connections honest: one timer pings every quiet client and terminates those that stop answering.

import type { Clock, TimerHandle } from '../../core/clock.js';

/** The part of a WebSocket liveness needs (ws.WebSocket has it). */
export interface PingableSocket {
  ping(): void;
  terminate(): void;
  on(event: 'pong' | 'message', listener: () => void): unknown;
}

/**
 * Every `intervalMs` each tracked socket that has been silent since the last round is pinged; one still silent a
 * round later (no pong, no message) is terminated. A client that pings on its own (every 5–25 s, as 3CX clients
 * do) or sends anything counts as alive. One timer serves all connections.
 */
export class Liveness {
  private readonly sockets = new Map<PingableSocket, { heard: boolean; pinged: boolean }>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  track(socket: PingableSocket): void {
    const state = { heard: true, pinged: false };
    this.sockets.set(socket, state);
    const heard = () => {
      state.heard = true;
      state.pinged = false;
    };
    socket.on('pong', heard);
    socket.on('message', heard);
    this.arm();
  }

  untrack(socket: PingableSocket): void {
    this.sockets.delete(socket);
    if (this.sockets.size === 0) this.stop();
  }

  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer || this.sockets.size === 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.round();
      this.arm();
    }, this.intervalMs);
  }

  private round(): void {
    for (const [socket, state] of this.sockets) {
      if (state.heard) {
        state.heard = false;
        continue;
      }
      if (state.pinged) {
        this.sockets.delete(socket);
        socket.terminate();
        continue;
      }
      state.pinged = true;
      socket.ping();
    }
  }
}
