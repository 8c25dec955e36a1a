// RTP/RTCP port pairs from a configured range: an even port for RTP, the next for RTCP, released on close.

import { createSocket, type Socket } from 'node:dgram';
import { DEFAULT_RTP_MAX_PORT, DEFAULT_RTP_MIN_PORT } from '../../limits.js';

/** Where sessions bind. */
export interface PortPoolOptions {
  /** Local address to bind (default 127.0.0.1; 0.0.0.0 or :: for all). */
  address?: string;
  minPort?: number;
  maxPort?: number;
}

/** A bound pair: RTP on an even port, RTCP on the next. Give it back with {@link RtpPortPool.release}. */
export interface PortPair {
  port: number;
  rtp: Socket;
  rtcp: Socket;
}

/** Thrown when every pair of the range is taken (by us or by other programs). */
export class PortsExhaustedError extends Error {
  constructor(minPort: number, maxPort: number) {
    super(`no free RTP port pair in ${minPort}-${maxPort}`);
    this.name = 'PortsExhaustedError';
  }
}

/**
 * Hands out port pairs round-robin through the range (so a port just released is not reused at once and a late
 * packet of an old call does not land in a new one), skipping pairs we hold and pairs another program has bound.
 * The range bounds how many sessions exist at once: (maxPort - minPort + 1) / 2 pairs.
 */
export class RtpPortPool {
  readonly address: string;
  readonly minPort: number;
  readonly maxPort: number;
  private readonly used = new Set<number>();
  private next: number;

  constructor(options: PortPoolOptions = {}) {
    this.address = options.address ?? '127.0.0.1';
    this.minPort = evenUp(options.minPort ?? DEFAULT_RTP_MIN_PORT);
    this.maxPort = options.maxPort ?? DEFAULT_RTP_MAX_PORT;
    if (!(this.minPort >= 1024 && this.maxPort <= 65535 && this.minPort + 1 <= this.maxPort)) {
      throw new RangeError(`RTP port range ${options.minPort}-${options.maxPort} must hold an even/odd pair within 1024-65535`);
    }
    this.next = this.minPort;
  }

  /** Pairs the range holds. */
  get capacity(): number {
    return Math.floor((this.maxPort - this.minPort + 1) / 2);
  }

  /** Pairs held now. */
  get inUse(): number {
    return this.used.size;
  }

  /** Binds the next free pair; rejects with PortsExhaustedError when none is left. */
  async allocate(): Promise<PortPair> {
    for (let tried = 0; tried < this.capacity; tried++) {
      const port = this.next;
      this.next = port + 2 + 1 > this.maxPort ? this.minPort : port + 2;
      if (this.used.has(port)) continue;
      this.used.add(port);
      const pair = await this.bindPair(port);
      if (pair) return pair;
      this.used.delete(port);
    }
    throw new PortsExhaustedError(this.minPort, this.maxPort);
  }

  /** Closes both sockets of a pair and frees its port; resolves once both are closed. */
  async release(pair: PortPair): Promise<void> {
    await Promise.all([closeSocket(pair.rtp), closeSocket(pair.rtcp)]);
    this.used.delete(pair.port);
  }

  private async bindPair(port: number): Promise<PortPair | undefined> {
    const type = this.address.includes(':') ? 'udp6' : 'udp4';
    const rtp = createSocket({ type });
    if (!(await bind(rtp, this.address, port))) return undefined;
    const rtcp = createSocket({ type });
    if (!(await bind(rtcp, this.address, port + 1))) {
      await closeSocket(rtp);
      return undefined;
    }
    return { port, rtp, rtcp };
  }
}

function evenUp(port: number): number {
  return port % 2 === 0 ? port : port + 1;
}

/** Binds `socket`; false (and the socket closed) when the port is taken or cannot be bound. */
function bind(socket: Socket, address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = (): void => {
      socket.close();
      resolve(false);
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(true);
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
