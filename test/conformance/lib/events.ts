// The event socket as a 3CX client opens it: wss:// or ws:// from the base URL, bearer header, frames collected in order.

import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Endpoint } from './http.js';
import { EventType } from './wire.js';

export interface Frame {
  sequence: number;
  event: { event_type: number; entity: string; attached_data: unknown };
}

const WAIT_MS = 5000;

/** Checks one frame against PROTOCOL.md §5: exact keys, numeric type, entity path, attached_data by type. */
export function assertFrame(value: unknown): Frame {
  assert.ok(value && typeof value === 'object', 'a frame object');
  assert.deepEqual(Object.keys(value), ['sequence', 'event']);
  const frame = value as Frame;
  assert.ok(Number.isInteger(frame.sequence) && frame.sequence > 0, 'sequence is a positive integer');
  assert.deepEqual(Object.keys(frame.event), ['event_type', 'entity', 'attached_data']);
  const { event_type: type, entity, attached_data: data } = frame.event;
  assert.ok(Object.values(EventType).includes(type as 0), `event_type ${type}`);
  assert.equal(typeof entity, 'string');
  if (type === EventType.Upsert || type === EventType.Remove) {
    assert.match(entity, /^\/callcontrol\/[^/]+\/(participants\/\d+|devices\/[^/]+)$/);
    assert.equal(data, null, 'attached_data is null for Upsert and Remove');
  }
  if (type === EventType.DTMFstring) {
    assert.match(entity, /^\/callcontrol\/[^/]+\/participants\/\d+$/);
    assert.deepEqual(Object.keys(data as object), ['dtmf_input']);
    assert.match((data as { dtmf_input: string }).dtmf_input, /^[0-9*#A-D]+$/);
  }
  if (type === EventType.PromptPlaybackFinished) assert.match(entity, /^\/callcontrol\/[^/]+\/participants\/\d+$/);
  if (type === EventType.Response) assert.deepEqual(Object.keys(data as object), ['RequestID', 'Path', 'StatusCode', 'Response']);
  return frame;
}

export function participantEntity(dn: string, id: number): string {
  return `/callcontrol/${dn}/participants/${id}`;
}

/** A connected event socket: every frame is checked on arrival and kept; `sequence` must strictly increase. */
export class EventClient {
  readonly frames: Frame[] = [];
  /** Payloads of the pongs received, in order. */
  readonly pongs: Buffer[] = [];
  /** Anything wrong seen on arrival (thrown by the next wait). */
  private problem: Error | undefined;
  private readonly wakers = new Set<() => void>();
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      try {
        assert.equal(isBinary, false, 'frames are text');
        const frame = assertFrame(JSON.parse(data.toString()));
        const last = this.frames.at(-1);
        if (last) assert.ok(frame.sequence > last.sequence, `sequence ${frame.sequence} after ${last.sequence}`);
        this.frames.push(frame);
      } catch (error) {
        this.problem ??= error as Error;
      }
      this.wake();
    });
    socket.on('pong', (data) => {
      this.pongs.push(data);
      this.wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static async open(endpoint: Endpoint, token: string | undefined): Promise<EventClient> {
    const socket = EventClient.socket(endpoint, token);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    });
    return new EventClient(socket);
  }

  /** The raw socket, not yet open: for cases about the upgrade itself. */
  static socket(endpoint: Endpoint, token: string | undefined): WebSocket {
    return new WebSocket(`${endpoint.wsBase}/callcontrol/ws`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      ca: endpoint.ca,
    });
  }

  private wake(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Resolves once `check` holds (re-checked at every frame); fails after `ms` of real time or on a malformed frame. */
  async until<T>(check: () => T | undefined, what: string, ms = WAIT_MS): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = () => {
        if (this.problem) return finish(() => reject(this.problem));
        const value = check();
        if (value !== undefined) return finish(() => resolve(value));
        return undefined;
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.summary())}`))), ms);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.wakers.delete(attempt);
        settle();
      };
      this.wakers.add(attempt);
      attempt();
    });
  }

  /** The first frame from index `from` on matching. */
  async next(match: (frame: Frame) => boolean, what: string, from = 0): Promise<Frame> {
    return this.until(() => this.frames.slice(from).find(match), what);
  }

  /** Waits for an event of `type` on `entity` (from index `from`). */
  async event(type: number, entity: string, from = 0): Promise<Frame> {
    return this.next((f) => f.event.event_type === type && f.event.entity === entity, `event ${type} on ${entity}`, from);
  }

  /** Waits for the first Upsert of a participant of `dn` (from index `from`). */
  async upsertOf(dn: string, from = 0): Promise<Frame> {
    return this.next((f) => f.event.event_type === EventType.Upsert && f.event.entity.startsWith(`/callcontrol/${dn}/participants/`), `an Upsert of a participant of ${dn}`, from);
  }

  /** Frames as short lines: `0 /callcontrol/800/participants/3`. */
  summary(from = 0): string[] {
    return this.frames.slice(from).map((f) => `${f.event.event_type} ${f.event.entity}${f.event.attached_data ? ` ${JSON.stringify(f.event.attached_data)}` : ''}`);
  }

  async waitClosed(ms = WAIT_MS): Promise<number> {
    return this.until(() => this.closeCode, 'the socket to close', ms);
  }

  close(): void {
    this.socket.close();
  }
}
