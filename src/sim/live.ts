// The web console's live feed, WebSocket /sim/live: a snapshot of the simulated PBX, then its changes, coalesced.

import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { ApiInstance } from '../api/context.js';
import type { EventHub, MonitoredFrame } from '../api/ws/hub.js';
import type { PbxConfig } from '../config/types.js';
import { ManualClock, type Clock } from '../core/clock.js';
import type { SimulatedPbx } from '../endpoints/directory.js';
import { LIVE_MAX_BUFFERED_BYTES, LIVE_PUSH_INTERVAL_MS, LIVE_RECENT_FRAMES, LIVE_STATE_CHECK_INTERVAL_MS, MAX_LIVE_SOCKETS } from '../limits.js';
import type { MediaEngine } from '../media/engine.js';
import {
  LIVE_CLOSE_TOO_MANY,
  LIVE_KEY_PROTOCOL_PREFIX,
  LIVE_PROTOCOL,
  type LiveApplication,
  type LiveFrame,
  type LiveSnapshot,
  type LiveState,
  type LiveStream,
  type LiveUpdate,
} from '../client/live-protocol.js';
import { buildState } from './state.js';

export interface LiveContext {
  sim: SimulatedPbx;
  clock: Clock;
  config: PbxConfig;
  adminKey: string;
  media: MediaEngine;
  hub: EventHub;
}

interface Viewer {
  socket: WebSocket;
  /** Missed a push (it was not reading): gets a snapshot when it has drained. */
  behind: boolean;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The admin key carried in `Sec-WebSocket-Protocol` (browsers cannot set other headers on a WebSocket). */
export function keyFromProtocols(header: string | undefined): string | undefined {
  const offer = (header ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .find((protocol) => protocol.startsWith(LIVE_KEY_PROTOCOL_PREFIX));
  return offer === undefined ? undefined : Buffer.from(offer.slice(LIVE_KEY_PROTOCOL_PREFIX.length), 'base64url').toString('utf8');
}

/**
 * Watches the PBX, the event hub and the media engine for the consoles. Status times are tracked from the start so
 * timers are right whenever a console opens; everything else is gathered only while a console is connected, and sent
 * once per LIVE_PUSH_INTERVAL_MS as one message encoded once for every console.
 */
export class LiveFeed {
  private readonly serverId = randomUUID();
  private readonly viewers = new Set<Viewer>();
  /** When each participant entered its current status (PBX time). */
  private readonly since = new Map<number, { status: string; at: number }>();
  private readonly recent: LiveFrame[] = [];
  private pending: LiveFrame[] = [];
  private stateDirty = true;
  private lastStateCheck = 0;
  /** PBX time of the last state sent: a fake clock moves without events. */
  private sentClock = 0;
  /** JSON of what was last sent, to send only changes. */
  private sent = { state: '', streams: '', applications: '' };
  private timer: NodeJS.Timeout | undefined;
  private stopMonitoring: (() => void) | undefined;
  private readonly unsubscribe: () => void;
  /** Remove frames waiting for their cause, and causes waiting for their frame (the two arrive in either order). */
  private readonly causeless = new Map<number, LiveFrame[]>();
  private readonly causes = new Map<number, string>();

  constructor(private readonly context: LiveContext) {
    const { pbx } = context.sim;
    this.unsubscribe = pbx.subscribe((event) => {
      if (event.type === 'participant-upserted') {
        const { id, status } = event.participant;
        if (this.since.get(id)?.status !== status) this.since.set(id, { status, at: context.clock.now() });
      } else if (event.type === 'participant-removed') {
        this.since.delete(event.participant.id);
        this.noteCause(event.participant.id, event.cause);
      }
      this.stateDirty = true;
    });
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Whether `key` is the admin key (compared in constant time). */
  accepts(key: string | undefined): boolean {
    return key !== undefined && timingSafeEqual(digest(key), digest(this.context.adminKey));
  }

  add(socket: WebSocket): void {
    if (this.viewers.size >= MAX_LIVE_SOCKETS) {
      socket.close(LIVE_CLOSE_TOO_MANY, `at most ${MAX_LIVE_SOCKETS} consoles may watch at once`);
      return;
    }
    const viewer: Viewer = { socket, behind: false };
    this.viewers.add(viewer);
    if (this.viewers.size === 1) this.start();
    socket.send(this.snapshotText());
    socket.on('message', (data, isBinary) => {
      if (!isBinary && data.toString() === '{"type":"refresh"}') this.stateDirty = true;
    });
    socket.on('close', () => this.remove(viewer));
    socket.on('error', () => socket.terminate());
  }

  /** Closes every console socket (1001) and stops watching. */
  close(): void {
    for (const viewer of this.viewers) viewer.socket.close(1001, 'server shutting down');
    this.viewers.clear();
    this.stop();
    this.unsubscribe();
  }

  private remove(viewer: Viewer): void {
    if (!this.viewers.delete(viewer)) return;
    if (this.viewers.size === 0) this.stop();
  }

  private start(): void {
    this.sent = { state: '', streams: '', applications: '' };
    this.stopMonitoring = this.context.hub.monitor((frame) => this.onFrame(frame));
    this.timer = setInterval(() => this.push(), LIVE_PUSH_INTERVAL_MS);
    this.timer.unref();
  }

  private stop(): void {
    this.stopMonitoring?.();
    this.stopMonitoring = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    this.pending = [];
  }

  private noteCause(participantId: number, cause: string): void {
    const frames = this.causeless.get(participantId);
    if (frames) {
      for (const frame of frames) frame.cause = cause;
      this.causeless.delete(participantId);
      return;
    }
    // Removals no application sees produce no frame: keep only the latest few.
    if (this.causes.size >= LIVE_RECENT_FRAMES) this.causes.delete(this.causes.keys().next().value!);
    this.causes.set(participantId, cause);
  }

  private onFrame(frame: MonitoredFrame): void {
    const live: LiveFrame = { ...frame, at: this.context.clock.now() };
    if (frame.eventType === 1) {
      const id = Number(frame.entity.slice(frame.entity.lastIndexOf('/') + 1));
      const cause = this.causes.get(id);
      if (cause !== undefined) {
        live.cause = cause;
      } else {
        if (this.causeless.size >= LIVE_RECENT_FRAMES) this.causeless.delete(this.causeless.keys().next().value!);
        this.causeless.set(id, [...(this.causeless.get(id) ?? []), live]);
      }
    }
    this.pending.push(live);
    this.recent.push(live);
    if (this.recent.length > LIVE_RECENT_FRAMES) this.recent.splice(0, this.recent.length - LIVE_RECENT_FRAMES);
  }

  private state(): LiveState {
    const { sim, clock, config } = this.context;
    const { clock: now, dns, calls } = buildState(sim.pbx, sim.behaviours, clock);
    const dids = config.trunks.flatMap((trunk) => trunk.dids.map(({ number, destination }) => ({ number, destination })));
    const withSince = calls.map((call) => ({
      ...call,
      participants: call.participants.map(({ attachedData: _attachedData, ...participant }) => ({ ...participant, since: this.since.get(participant.id)?.at ?? clock.now() })),
    }));
    return { clock: now, dns, dids, calls: withSince };
  }

  private streams(): LiveStream[] {
    return this.context.media.streams().map((stream) => ({ ...stream, sentPeak: round(stream.sentPeak), heardPeak: round(stream.heardPeak) }));
  }

  private applications(): LiveApplication[] {
    const counts = this.context.hub.connectionsByApplication();
    return this.context.config.applications.map((app) => ({ clientId: app.clientId, monitor: [...app.monitor], connections: counts.get(app.clientId) ?? 0 }));
  }

  private snapshotText(): string {
    const snapshot: LiveSnapshot = { type: 'snapshot', serverId: this.serverId, state: this.state(), frames: this.recent, streams: this.streams(), applications: this.applications() };
    return JSON.stringify(snapshot);
  }

  /** One push: what changed since the last, encoded once; consoles that are not reading skip it and resync later. */
  private push(): void {
    const update: LiveUpdate = { type: 'update' };
    const { clock } = this.context;
    const fakeTimeMoved = clock instanceof ManualClock && clock.now() !== this.sentClock;
    if (this.stateDirty || fakeTimeMoved || Date.now() - this.lastStateCheck >= LIVE_STATE_CHECK_INTERVAL_MS) {
      this.stateDirty = false;
      this.lastStateCheck = Date.now();
      this.sentClock = clock.now();
      const state = this.state();
      // A real clock moves all the time: consoles keep their own, so only a change of the world is sent.
      if (this.differs('state', { dns: state.dns, calls: state.calls }) || fakeTimeMoved) update.state = state;
    }
    if (this.pending.length > 0) {
      update.frames = this.pending;
      this.pending = [];
    }
    const streams = this.streams();
    if (this.differs('streams', streams)) update.streams = streams;
    const applications = this.applications();
    if (this.differs('applications', applications)) update.applications = applications;
    if (!update.state && !update.frames && !update.streams && !update.applications) return;
    const text = JSON.stringify(update);
    let snapshot: string | undefined;
    for (const viewer of this.viewers) {
      if (viewer.socket.bufferedAmount > LIVE_MAX_BUFFERED_BYTES) {
        viewer.behind = true;
      } else if (viewer.behind) {
        viewer.behind = false;
        viewer.socket.send((snapshot ??= this.snapshotText()));
      } else {
        viewer.socket.send(text);
      }
    }
  }

  /** Whether the value's JSON differs from what was last sent (and, if so, it counts as sent). */
  private differs(key: keyof typeof this.sent, value: unknown): boolean {
    const text = JSON.stringify(value);
    if (text === this.sent[key]) return false;
    this.sent[key] = text;
    return true;
  }
}

/** Levels to two decimals: enough for a meter, and unchanged silence sends nothing. */
function round(peak: number): number {
  return Math.round(peak * 100) / 100;
}

/**
 * Registers GET /sim/live (WebSocket). Authenticated before the upgrade (401 otherwise) by the admin key in
 * `Sec-WebSocket-Protocol`: the console offers `switchboard-live` and `switchboard-key.<base64url key>`, and the
 * server answers with `switchboard-live`.
 */
export function registerLiveRoute(app: ApiInstance, feed: LiveFeed): void {
  app.addHook('preClose', async () => feed.close());
  app.get(
    '/sim/live',
    {
      websocket: true,
      schema: {
        tags: ['Simulation'],
        operationId: 'simLiveFeed',
        summary: 'The web console’s live feed (WebSocket): a snapshot of the simulated PBX, then its changes',
        description: `Subprotocols: "${LIVE_PROTOCOL}" and "${LIVE_KEY_PROTOCOL_PREFIX}<the admin key in base64url>" (browsers cannot set headers on a WebSocket). 401 before the upgrade when the key is missing or wrong.`,
      },
      onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
        if (!feed.accepts(keyFromProtocols(request.headers['sec-websocket-protocol']))) {
          return reply.code(401).send({ error: 'Unauthorized', message: `the live feed needs the admin key in Sec-WebSocket-Protocol (${LIVE_KEY_PROTOCOL_PREFIX}<base64url key>)` });
        }
      },
    },
    (socket: WebSocket) => feed.add(socket),
  );
}
