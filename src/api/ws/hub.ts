// Fans PBX events out to every WebSocket connection whose application may see them, in order, with one global sequence.

import type { ApplicationConfig } from '../../config/types.js';
import type { Pbx } from '../../core/pbx.js';
import type { PbxEvent } from '../../core/types.js';
import { visibleDns } from '../auth/scope.js';
import { encodeFrame, toWireEvent, type EventTypeNumber } from './frames.js';
import { CountingSequence, type SequenceSource } from './sequence.js';

/** The part of a WebSocket the hub uses (ws.WebSocket has it). */
export interface EventSocket {
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  terminate(): void;
}

/** ws.WebSocket's send with options: a Buffer sent as a text frame. */
interface WsSend {
  send(data: Buffer, options: { binary: boolean }): void;
}

const TEXT_FRAME = { binary: false };

/** The TCP (or TLS) socket under a ws.WebSocket: written to in batches (cork, then uncork once). */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * The TCP socket under `socket` when it is a ws.WebSocket (in `_socket`): the hub then sends it each frame as UTF-8
 * bytes encoded once per event (ws would encode the string again for every connection), and corks it so that the
 * frames of one event-loop turn leave in one write. Test doubles get the string at once.
 */
function wireSocketOf(socket: EventSocket): Corkable | undefined {
  const wire = (socket as { _socket?: Partial<Corkable> })._socket;
  return typeof wire?.cork === 'function' && typeof wire.uncork === 'function' ? (wire as Corkable) : undefined;
}

export interface HubOptions {
  /** Bytes queued on one connection beyond which it counts as not reading and is closed. */
  maxBufferedBytes: number;
  /** Where `sequence` numbers come from; from 1 in memory when absent. */
  sequence?: SequenceSource;
}

/** WebSocket close code used for a client that stopped reading (1008: policy violation). */
export const CLOSE_SLOW_CONSUMER = 1008;
/**
 * WebSocket close code when no sequence number may be given (the persisted mark cannot be written): 1011, a server
 * condition. Frames are never numbered past the mark, so the sockets are closed rather than fed unnumbered frames or
 * numbers a restart could repeat; a client reconnects and reads the state again, as after any reconnect.
 */
export const CLOSE_NUMBERING_UNAVAILABLE = 1011;

/** A frame as the hub produced it for an event, with the DN it concerns (for monitors such as the web console). */
export interface MonitoredFrame {
  sequence: number;
  dn: string;
  eventType: EventTypeNumber;
  entity: string;
  attachedData: unknown;
}

export interface Connection {
  readonly app: ApplicationConfig;
  readonly socket: EventSocket;
  /** DNs whose events this connection receives. */
  readonly dns: ReadonlySet<string>;
  /** The token the socket was opened with (socket requests run with it). */
  readonly token: string;
  closed: boolean;
}

/**
 * One subscription to the PBX for all connections. Each event is encoded once and the same text is sent to every
 * connection that may see its DN. `sequence` increases by one per frame the server produces, across connections,
 * so every client sees it strictly increase (with gaps for frames meant for other applications).
 */
export class EventHub {
  private readonly connections = new Set<Connection>();
  private readonly monitors = new Set<(frame: MonitoredFrame) => void>();
  /** Connections on a ws.WebSocket, with the socket under it (sent bytes encoded once per event, writes batched). */
  private readonly wireSockets = new WeakMap<Connection, Corkable>();
  /** Sockets corked in this event-loop turn; uncorked by flush(). */
  private readonly corked = new Set<Corkable>();
  private flushScheduled = false;
  private readonly flushSoon = () => {
    this.flushScheduled = false;
    this.flush();
  };
  private readonly sequence: SequenceSource;
  /** The number the latest frame took. */
  private lastSequence = 0;
  private framesSent = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly pbx: Pbx,
    private readonly options: HubOptions,
  ) {
    this.sequence = options.sequence ?? new CountingSequence();
    this.unsubscribe = pbx.subscribe((event) => this.onEvent(event));
  }

  /** The next number, or undefined (every connection then closed with 1011) when none may be given. */
  private nextSequence(): number | undefined {
    const next = this.sequence.next();
    if (next === undefined) {
      this.closeAll(CLOSE_NUMBERING_UNAVAILABLE, 'event numbering is unavailable: the server cannot write its data folder');
      return undefined;
    }
    this.lastSequence = next;
    return next;
  }

  add(app: ApplicationConfig, socket: EventSocket, token: string): Connection {
    const connection: Connection = { app, socket, token, dns: new Set(visibleDns(this.pbx, app)), closed: false };
    this.connections.add(connection);
    const wire = wireSocketOf(socket);
    if (wire) this.wireSockets.set(connection, wire);
    return connection;
  }

  remove(connection: Connection): void {
    connection.closed = true;
    this.connections.delete(connection);
  }

  /** Sends a frame to one connection (a Response to a socket request); it takes the next sequence number. */
  sendTo(connection: Connection, eventType: EventTypeNumber, entity: string, attachedData: unknown): void {
    const sequence = this.nextSequence();
    if (sequence !== undefined) this.deliver(connection, encodeFrame(sequence, eventType, entity, attachedData));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Open connections per application (client id); applications without one are absent. */
  connectionsByApplication(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const connection of this.connections) counts.set(connection.app.clientId, (counts.get(connection.app.clientId) ?? 0) + 1);
    return counts;
  }

  /**
   * Observes every event frame from now on, whichever DN it concerns, with the sequence applications see (a frame
   * no connection receives still takes a number). Must not block. Returns the function that stops observing.
   */
  monitor(listener: (frame: MonitoredFrame) => void): () => void {
    this.monitors.add(listener);
    return () => this.monitors.delete(listener);
  }

  /** Frames written to sockets since start (for metrics). */
  get sent(): number {
    return this.framesSent;
  }

  /**
   * Writes out every frame held since the turn began. Runs by itself at the end of the turn (setImmediate); the API
   * also calls it before writing any response, so the frames a request caused reach the client before its answer.
   */
  flush(): void {
    for (const wire of this.corked) wire.uncork();
    this.corked.clear();
  }

  /** Closes every connection with `code` and stops listening to the PBX. */
  close(code: number, reason: string): void {
    this.flush();
    this.unsubscribe();
    this.closeAll(code, reason);
  }

  private closeAll(code: number, reason: string): void {
    for (const connection of this.connections) {
      connection.closed = true;
      connection.socket.close(code, reason);
    }
    this.connections.clear();
  }

  private onEvent(event: PbxEvent): void {
    if (this.connections.size === 0 && this.monitors.size === 0) return;
    const wire = toWireEvent(event);
    if (!wire) return;
    let text: string | undefined;
    let bytes: Buffer | undefined; // the text as UTF-8, encoded once for every connection
    for (const connection of this.connections) {
      if (!connection.dns.has(wire.dn)) continue;
      if (text === undefined) {
        const sequence = this.nextSequence();
        if (sequence === undefined) return; // every connection was closed
        text = encodeFrame(sequence, wire.eventType, wire.entity, wire.attachedData);
      }
      if (this.wireSockets.has(connection)) bytes ??= Buffer.from(text);
      this.deliver(connection, text, bytes);
    }
    if (this.monitors.size === 0) return;
    const sequence = text === undefined ? this.nextSequence() : this.lastSequence;
    if (sequence === undefined) return;
    const frame: MonitoredFrame = { sequence, ...wire };
    for (const listener of this.monitors) listener(frame);
  }

  private deliver(connection: Connection, text: string, bytes?: Buffer): void {
    if (connection.closed) return;
    if (connection.socket.bufferedAmount > this.options.maxBufferedBytes) {
      // The client stopped reading: cut it off rather than let its queue grow without bound.
      this.remove(connection);
      connection.socket.close(CLOSE_SLOW_CONSUMER, 'client is not reading its events');
      connection.socket.terminate();
      return;
    }
    const wire = this.wireSockets.get(connection);
    if (wire) {
      if (!this.corked.has(wire)) {
        wire.cork();
        this.corked.add(wire);
        if (!this.flushScheduled) {
          this.flushScheduled = true;
          setImmediate(this.flushSoon);
        }
      }
      (connection.socket as unknown as WsSend).send(bytes ?? Buffer.from(text), TEXT_FRAME);
    } else {
      connection.socket.send(text);
    }
    this.framesSent++;
  }
}
