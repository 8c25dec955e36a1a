// The stream connection table of the transport layer: TCP and TLS connections keyed by peer, bounded in number, closed when idle.

import type { Socket } from 'node:net';
import type { SipClock, SipTimerHandle } from './clock.js';
import { StreamFramer } from './framer.js';
import type { Peer } from './transaction.js';

export interface Connection {
  readonly key: string;
  readonly peer: Peer;
  readonly socket: Socket;
  readonly framer: StreamFramer;
  idle?: SipTimerHandle;
}

/** `TCP|127.0.0.1|5070`: one connection per transport and remote address, reused for requests and responses both ways. */
export function peerKey(peer: Peer): string {
  return `${peer.transport}|${peer.host.toLowerCase()}|${peer.port}`;
}

export class ConnectionTable {
  private readonly byKey = new Map<string, Connection>();

  constructor(
    private readonly clock: SipClock,
    private readonly max: number,
    private readonly idleMs: number,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  get(peer: Peer): Connection | undefined {
    return this.byKey.get(peerKey(peer));
  }

  hasRoom(): boolean {
    return this.byKey.size < this.max;
  }

  /** Adds a connection (the caller checked {@link hasRoom}); it leaves the table when its socket closes. */
  add(peer: Peer, socket: Socket): Connection {
    const key = peerKey(peer);
    const conn: Connection = { key, peer, socket, framer: new StreamFramer() };
    this.byKey.get(key)?.socket.destroy();
    this.byKey.set(key, conn);
    socket.once('close', () => {
      if (this.byKey.get(key) === conn) this.byKey.delete(key);
      this.clock.clearTimeout(conn.idle);
    });
    this.touch(conn);
    return conn;
  }

  /** Restarts the idle timer: traffic either way keeps a connection open. */
  touch(conn: Connection): void {
    this.clock.clearTimeout(conn.idle);
    conn.idle = this.clock.setTimeout(() => conn.socket.destroy(), this.idleMs);
  }

  closeAll(): void {
    for (const conn of [...this.byKey.values()]) {
      this.clock.clearTimeout(conn.idle);
      conn.socket.destroy();
    }
    this.byKey.clear();
  }
}
