// The event socket as an async iterator: frames from /callcontrol/ws, reconnecting with back-off, bounded, closable.

import { CallControlError, connectionErrorOf } from './errors.js';
import { parseEntity } from './entities.js';
import type { TokenSource } from './token.js';

/** 3CX `event_type` numbers, by the names 3CX's own example client uses. */
export const EventType = {
  Upsert: 0,
  Remove: 1,
  DTMFstring: 2,
  PromptPlaybackFinished: 3,
  Response: 4,
} as const;

export type EventTypeNumber = (typeof EventType)[keyof typeof EventType];

/** Created or changed: re-GET `entity`. */
export interface UpsertEvent {
  event_type: typeof EventType.Upsert;
  entity: string;
  attached_data: unknown;
}

/** Gone: later GETs of `entity` answer 404. */
export interface RemoveEvent {
  event_type: typeof EventType.Remove;
  entity: string;
  attached_data: unknown;
}

/** Keys pressed by the party the participant `entity` talks to. */
export interface DtmfEvent {
  event_type: typeof EventType.DTMFstring;
  entity: string;
  attached_data: { dtmf_input: string };
}

export interface PromptPlaybackFinishedEvent {
  event_type: typeof EventType.PromptPlaybackFinished;
  entity: string;
  attached_data: unknown;
}

/** The answer to a request sent over the socket. */
export interface ResponseEvent {
  event_type: typeof EventType.Response;
  entity: string;
  attached_data: { RequestID: unknown; Path: string; StatusCode: number; Response: unknown };
}

export type CallControlEvent = UpsertEvent | RemoveEvent | DtmfEvent | PromptPlaybackFinishedEvent | ResponseEvent;

/**
 * One frame as the server sent it: `{"sequence":N,"event":{"event_type":T,"entity":P,"attached_data":X}}`.
 * Frames with an `event_type` outside 0–4 are passed on as they are.
 */
export interface EventFrame<E extends CallControlEvent = CallControlEvent> {
  sequence: number;
  event: E;
}

/** The frame type for one event type number. */
export type EventFrameOf<T extends EventTypeNumber> = EventFrame<Extract<CallControlEvent, { event_type: T }>>;

/** Matches frames by fields; every given field must match. */
export interface FrameFilter {
  type?: EventTypeNumber;
  /** The DN in the entity path. */
  dn?: string;
  /** `participant` or `device` entities only. */
  kind?: 'participant' | 'device';
  /** This participant id. */
  id?: number;
  /** This exact entity path. */
  entity?: string;
}

/** The part of a WebSocket the stream uses; the `ws` package's WebSocket has it. */
export interface WebSocketLike {
  on(event: 'open', listener: () => void): unknown;
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: 'pong', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'unexpected-response', listener: (request: unknown, response: UpgradeResponse) => void): unknown;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  /** Stops reading from the network (back-pressure); optional. */
  pause?(): void;
  resume?(): void;
}

/** The HTTP response to a refused upgrade (node's IncomingMessage has it). */
export interface UpgradeResponse {
  statusCode?: number;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'error', listener: () => void): unknown;
}

export type WebSocketConstructor = new (url: string, options: { headers: Record<string, string>; handshakeTimeout?: number }) => WebSocketLike;

export interface ReconnectOptions {
  /** Delay before the first retry, in ms (default 250). */
  initialDelayMs?: number;
  /** Longest delay between retries, in ms (default 30,000). */
  maxDelayMs?: number;
  /** Each failed retry multiplies the delay by this (default 2). */
  factor?: number;
  /** Fraction of each delay drawn at random, 0 to 1 (default 0.5: between half the delay and all of it). */
  jitter?: number;
  /** Consecutive retries without a good connection before the iterator throws the last error (default: no limit). */
  maxRetries?: number;
  /** A connection counts as good, resetting the back-off, once it delivered a frame or stayed open this long, in ms (default 5000). */
  resetAfterMs?: number;
}

export type EventStreamStatus =
  | { state: 'open'; url: string }
  | { state: 'reconnecting'; retry: number; delayMs: number; error: Error }
  | { state: 'closed'; error?: Error };

export interface EventStreamOptions {
  /** Aborting closes the stream (as `close()` does). */
  signal?: AbortSignal;
  /** Back-off for reconnecting after the socket drops or cannot connect; `false` ends the stream instead. */
  reconnect?: ReconnectOptions | false;
  /** Ping the server this often, in ms; a server silent for a whole interval after a ping is dropped (default 15,000; 0: off). */
  pingIntervalMs?: number;
  /** Give up an upgrade that takes longer than this, in ms (default 10,000). */
  handshakeTimeoutMs?: number;
  /**
   * Frames held for a consumer that reads slower than they arrive (default 10,000). At the limit the socket stops
   * reading (the server then sees back-pressure, and may close a client that stays behind); should 1024 more pile up
   * anyway (a socket that cannot pause), the stream fails.
   */
  maxQueuedFrames?: number;
  /** Told when the socket opens, drops (and when the next attempt is), and when the stream ends. Must not throw. */
  onStatus?: (status: EventStreamStatus) => void;
}

/** What a stream needs from its client. */
export interface EventStreamSource {
  /** ws:// or wss:// URL of /callcontrol/ws. */
  url: string;
  /** The base URL, for error messages. */
  baseUrl: string;
  tokens: TokenSource;
  WebSocket: WebSocketConstructor;
}

const DEFAULT_RECONNECT: Required<ReconnectOptions> = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.5,
  maxRetries: Number.POSITIVE_INFINITY,
  resetAfterMs: 5_000,
};
const DEFAULT_PING_INTERVAL_MS = 15_000;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_QUEUED_FRAMES = 10_000;
const DEFAULT_WAIT_MS = 10_000;
// Frames that may still arrive after the socket is paused: what one network read already holds (64 KiB of frames of
// at least ~90 bytes is under 800). More than that means the socket cannot pause, and the stream fails.
const FRAMES_AFTER_PAUSE = 1024;
// Most bytes of a refused upgrade's body kept for the error message.
const MAX_UPGRADE_BODY_BYTES = 4096;

/** Delay before retry number `retry` (1-based): exponential, capped, with the random part taken off the top. */
export function backoffDelay(retry: number, options: ReconnectOptions = {}, random: () => number = Math.random): number {
  const { initialDelayMs, maxDelayMs, factor, jitter } = { ...DEFAULT_RECONNECT, ...options };
  const base = Math.min(maxDelayMs, initialDelayMs * factor ** Math.max(0, retry - 1));
  const spread = Math.min(1, Math.max(0, jitter));
  return Math.round(base * (1 - spread * random()));
}

/** True when `frame` matches every field `filter` gives. */
export function frameMatches(frame: EventFrame, filter: FrameFilter): boolean {
  if (filter.type !== undefined && frame.event.event_type !== filter.type) return false;
  if (filter.entity !== undefined && frame.event.entity !== filter.entity) return false;
  if (filter.dn === undefined && filter.kind === undefined && filter.id === undefined) return true;
  const entity = parseEntity(frame.event.entity);
  if (!entity) return false;
  if (filter.dn !== undefined && entity.dn !== filter.dn) return false;
  if (filter.kind !== undefined && entity.kind !== filter.kind) return false;
  return filter.id === undefined || (entity.kind === 'participant' && entity.id === filter.id);
}

function toFrame(data: unknown): EventFrame | undefined {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (Buffer.isBuffer(data)) text = data.toString('utf8');
  else if (Array.isArray(data)) text = Buffer.concat(data as Buffer[]).toString('utf8');
  else if (data instanceof ArrayBuffer) text = Buffer.from(data).toString('utf8');
  else return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { sequence, event } = parsed as { sequence?: unknown; event?: unknown };
  if (typeof sequence !== 'number' || typeof event !== 'object' || event === null) return undefined;
  const { event_type: type, entity } = event as { event_type?: unknown; entity?: unknown };
  if (typeof type !== 'number' || typeof entity !== 'string') return undefined;
  if (!('attached_data' in event)) (event as { attached_data: unknown }).attached_data = null;
  return parsed as EventFrame;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

// A token request refused for good (bad credentials, bad request) is not worth retrying; 429 and 5xx are.
function isFatal(error: unknown): boolean {
  return error instanceof CallControlError && error.status >= 400 && error.status < 500 && error.status !== 429 && error.status !== 408;
}

interface Taker {
  resolve(result: IteratorResult<EventFrame>): void;
  reject(error: unknown): void;
}

interface Attempt {
  socket: WebSocketLike;
  token: string;
  opened: boolean;
  upgradeStatus: number | undefined;
  upgradeBody: string;
  error: Error | undefined;
}

/**
 * The application's events, frame by frame, in the order the server sent them. Connecting starts at once; the
 * stream reconnects (fresh token when the old one is refused, exponential back-off with jitter) until `close()`,
 * the abort signal, a `break` out of `for await`, or a failure that retrying cannot fix (bad credentials, 403/404
 * on the upgrade, `maxRetries` used up), which the iterator throws after the frames already received.
 * Frames sent while no socket is open are lost: re-read state after a reconnect (`onStatus` tells).
 */
export class EventStream implements AsyncIterableIterator<EventFrame> {
  private readonly queue: EventFrame[] = [];
  private readonly takers: Taker[] = [];
  private readyWaiters: { resolve(): void; reject(error: unknown): void }[] = [];
  private readonly reconnect: Required<ReconnectOptions> | false;
  private readonly maxQueued: number;
  private attempt: Attempt | undefined;
  private open = false;
  private ended = false;
  private failure: Error | undefined;
  private failureDelivered = false;
  private retries = 0;
  private refusedOnce = false;
  private paused = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private goodTimer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.close();

  constructor(
    private readonly source: EventStreamSource,
    private readonly options: EventStreamOptions = {},
  ) {
    this.reconnect = options.reconnect === false ? false : { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.maxQueued = Math.max(1, options.maxQueuedFrames ?? DEFAULT_MAX_QUEUED_FRAMES);
    if (options.signal?.aborted) {
      this.ended = true;
      return;
    }
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    void this.connect();
  }

  /** True while a socket is open. */
  get connected(): boolean {
    return this.open;
  }

  /**
   * Resolves once a socket is open (at once if one is): frames the server sends from then on are received. Rejects
   * when the stream ends first.
   */
  ready(): Promise<void> {
    if (this.open) return Promise.resolve();
    if (this.ended) return Promise.reject(this.failure ?? new Error('the event stream is closed'));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Stops the stream: the socket closes, pending reads finish (done), nothing reconnects. Safe to call twice. */
  close(): void {
    if (this.ended) return;
    this.finish(undefined);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<EventFrame>> {
    return this.take(undefined);
  }

  /** Ends the stream (a `break` out of `for await` calls this). */
  async return(): Promise<IteratorResult<EventFrame>> {
    this.close();
    return { value: undefined, done: true };
  }

  /**
   * Reads frames until one matches, and returns it; frames read before it are skipped. Rejects when none arrives
   * within `timeoutMs` (default 10 s) or the stream ends first.
   */
  waitFor<T extends EventTypeNumber>(filter: FrameFilter & { type: T }, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<EventFrameOf<T>>;
  waitFor(match: FrameFilter | ((frame: EventFrame) => boolean), options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<EventFrame>;
  async waitFor(match: FrameFilter | ((frame: EventFrame) => boolean), options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<EventFrame> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    const predicate = typeof match === 'function' ? match : (frame: EventFrame) => frameMatches(frame, match);
    const what = typeof match === 'function' ? 'matching frame' : `frame matching ${JSON.stringify(match)}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await this.take({ ms: Math.max(0, deadline - Date.now()), message: `no ${what} arrived within ${timeoutMs} ms` }, options.signal);
      if (result.done) throw new Error(`the event stream ended before a ${what} arrived`);
      if (predicate(result.value)) return result.value;
    }
  }

  private take(timeout: { ms: number; message: string } | undefined, signal?: AbortSignal): Promise<IteratorResult<EventFrame>> {
    const frame = this.queue.shift();
    if (frame) {
      this.maybeResume();
      return Promise.resolve({ value: frame, done: false });
    }
    if (this.failure && !this.failureDelivered) {
      this.failureDelivered = true;
      return Promise.reject(this.failure);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.takers.indexOf(taker);
        if (index >= 0) this.takers.splice(index, 1);
      };
      const taker: Taker = {
        resolve: (result) => {
          settle();
          resolve(result);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      const onAbort = () => taker.reject(signal?.reason);
      if (timeout) timer = setTimeout(() => taker.reject(new Error(timeout.message)), timeout.ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.takers.push(taker);
    });
  }

  private deliver(frame: EventFrame): void {
    const taker = this.takers[0];
    if (taker) {
      taker.resolve({ value: frame, done: false });
      return;
    }
    this.queue.push(frame);
    if (this.queue.length >= this.maxQueued + FRAMES_AFTER_PAUSE) {
      this.finish(new Error(`events arrive faster than they are read: ${this.queue.length} frames are waiting (maxQueuedFrames ${this.maxQueued})`));
      return;
    }
    if (this.queue.length >= this.maxQueued && !this.paused && this.attempt?.socket.pause) {
      this.paused = true;
      this.attempt.socket.pause();
    }
  }

  private maybeResume(): void {
    if (this.paused && this.queue.length <= this.maxQueued / 2) {
      this.paused = false;
      this.attempt?.socket.resume?.();
    }
  }

  private async connect(): Promise<void> {
    if (this.ended) return;
    let token: string;
    try {
      token = await this.source.tokens.get();
    } catch (error) {
      if (isFatal(error)) this.finish(asError(error));
      else this.retry(connectionErrorOf(this.source.baseUrl, error) ?? asError(error));
      return;
    }
    if (this.ended) return;
    let socket: WebSocketLike;
    try {
      socket = new this.source.WebSocket(this.source.url, {
        headers: { authorization: `Bearer ${token}` },
        handshakeTimeout: this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      });
    } catch (error) {
      this.finish(asError(error)); // a URL the socket library refuses will not get better
      return;
    }
    const attempt: Attempt = { socket, token, opened: false, upgradeStatus: undefined, upgradeBody: '', error: undefined };
    this.attempt = attempt;
    let heard = true;
    socket.on('unexpected-response', (_request, response) => {
      attempt.upgradeStatus = response.statusCode;
      response.on('data', (chunk: Buffer) => {
        if (attempt.upgradeBody.length < MAX_UPGRADE_BODY_BYTES) attempt.upgradeBody += chunk.toString('utf8');
      });
      response.on('end', () => socket.terminate());
      response.on('error', () => socket.terminate());
    });
    socket.on('open', () => {
      attempt.opened = true;
      if (this.ended) return;
      this.open = true;
      this.refusedOnce = false;
      this.startPing(attempt, () => heard, (value) => (heard = value));
      this.goodTimer = setTimeout(() => (this.retries = 0), this.reconnect ? this.reconnect.resetAfterMs : 0);
      this.options.onStatus?.({ state: 'open', url: this.source.url });
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      for (const waiter of waiters) waiter.resolve();
    });
    socket.on('message', (data, isBinary) => {
      heard = true;
      if (isBinary || this.ended || this.attempt !== attempt) return;
      const frame = toFrame(data);
      if (!frame) return; // not an event frame: 3CX sends none, so ignore rather than guess
      this.retries = 0;
      this.deliver(frame);
    });
    socket.on('pong', () => (heard = true));
    socket.on('error', (error) => (attempt.error = error));
    socket.on('close', (code) => this.onClosed(attempt, code));
  }

  private startPing(attempt: Attempt, heard: () => boolean, setHeard: (value: boolean) => void): void {
    const interval = this.options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    if (interval <= 0) return;
    this.pingTimer = setInterval(() => {
      // While paused the socket is not read, so silence proves nothing.
      if (!heard() && !this.paused) {
        attempt.error = new Error(`the server did not answer a ping within ${interval} ms`);
        attempt.socket.terminate();
        return;
      }
      setHeard(false);
      attempt.socket.ping();
    }, interval);
  }

  private onClosed(attempt: Attempt, code: number): void {
    if (this.attempt !== attempt) return;
    this.attempt = undefined;
    this.open = false;
    this.paused = false;
    this.clearTimers();
    if (this.ended) return;
    const status = attempt.upgradeStatus;
    if (status === 401) {
      this.source.tokens.invalidate(attempt.token);
      const error = this.upgradeError(attempt, status);
      if (this.refusedOnce) {
        this.finish(error); // a freshly issued token was refused too
        return;
      }
      this.refusedOnce = true;
      void this.connect(); // once, at once, with a new token
      return;
    }
    this.refusedOnce = false;
    if (status !== undefined && isFatal(this.upgradeError(attempt, status))) {
      this.finish(this.upgradeError(attempt, status));
      return;
    }
    const error =
      status !== undefined
        ? this.upgradeError(attempt, status)
        : attempt.opened
          ? (attempt.error ?? new Error(`the event socket closed (code ${code})`))
          : (connectionErrorOf(this.source.baseUrl, attempt.error) ?? attempt.error ?? new Error(`the event socket closed before opening (code ${code})`));
    this.retry(error);
  }

  private upgradeError(attempt: Attempt, status: number): CallControlError {
    let body: unknown = attempt.upgradeBody || undefined;
    try {
      body = JSON.parse(attempt.upgradeBody);
    } catch {
      // keep the text
    }
    const field = (key: string) => (typeof body === 'object' && body !== null && typeof (body as Record<string, unknown>)[key] === 'string' ? ((body as Record<string, unknown>)[key] as string) : undefined);
    return new CallControlError({ status, reason: field('reason') ?? `HTTP ${status}`, reasontext: field('reasontext') ?? 'the event socket upgrade was refused', body, request: 'GET /callcontrol/ws' });
  }

  private retry(error: Error): void {
    if (this.ended) return;
    if (this.reconnect === false || this.retries >= this.reconnect.maxRetries) {
      this.finish(error);
      return;
    }
    this.retries++;
    const delayMs = backoffDelay(this.retries, this.reconnect);
    this.options.onStatus?.({ state: 'reconnecting', retry: this.retries, delayMs, error });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delayMs);
  }

  private clearTimers(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.goodTimer);
    this.pingTimer = undefined;
    this.goodTimer = undefined;
  }

  // Ends the stream: with `error` it failed (readers get the queued frames, then the error); without, it was closed.
  private finish(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.open = false;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    clearTimeout(this.retryTimer);
    this.clearTimers();
    const attempt = this.attempt;
    this.attempt = undefined;
    if (attempt) {
      // A paused socket would not read the server's close frame: the closing handshake would hang until its timeout.
      if (attempt.opened && !this.paused) attempt.socket.close(1000, 'client closing');
      else attempt.socket.terminate();
    }
    if (error) this.failure = error;
    else this.queue.length = 0; // closed on purpose: nobody wants the rest
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const waiter of waiters) waiter.reject(error ?? new Error('the event stream was closed'));
    for (const taker of [...this.takers]) {
      if (error && !this.failureDelivered) {
        this.failureDelivered = true;
        taker.reject(error);
      } else {
        taker.resolve({ value: undefined, done: true });
      }
    }
    this.options.onStatus?.(error ? { state: 'closed', error } : { state: 'closed' });
  }
}
