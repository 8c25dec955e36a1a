// CallControlClient: a typed client of the 3CX V20 Call Control API (tokens, REST, events) with nothing Switchboard-specific.

import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { WebSocket } from 'ws';
import { waitForParticipant, waitForRemoval, type ParticipantMatch, type WaitOptions } from './waits.js';
import { CallControlError, fetchOrExplain, readBody, stringField } from './errors.js';
import { devicePath, participantPath } from './entities.js';
import { EventStream, type EventStreamOptions, type WebSocketConstructor } from './events.js';
import { TokenSource } from './token.js';
import type {
  ActionResult,
  AttachDataRequest,
  CallControlResult,
  CallOptions,
  Device,
  DnInfo,
  MakeCallRequest,
  Participant,
  ParticipantActionName,
  RouteRequest,
  TokenResponse,
} from './types.js';

export interface CallControlClientOptions {
  /** The PBX's origin, e.g. `https://pbx.example.com:5001` (a path prefix is kept). */
  baseUrl: string;
  /** The API application's client id (its route point DN). */
  clientId: string;
  /** The API application's key. */
  clientSecret: string;
  /** Replaces the global fetch (for proxies, custom TLS, tests). */
  fetch?: typeof fetch;
  /** Replaces the `ws` package's WebSocket for the event socket. */
  WebSocket?: WebSocketConstructor;
  /** Refresh a token this long before its `exp`, in ms (default 30,000; at most half its lifetime). */
  refreshMarginMs?: number;
  /** The clock compared with the token's `exp`, in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

const DEFAULT_REFRESH_MARGIN_MS = 30_000;

/**
 * A client of the 3CX V20 Call Control API. It gets a client-credentials token on first use and keeps it until
 * shortly before the JWT's `exp`; a request answered 401 is retried once with a new token. Errors throw
 * {@link CallControlError} (network failures: ConnectionError); 202 is a success whose `status` says the outcome
 * is still pending.
 */
export class CallControlClient {
  /** The base URL without a trailing slash. */
  readonly baseUrl: string;
  readonly clientId: string;
  private readonly fetchImpl: typeof fetch;
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly tokens: TokenSource;

  constructor(options: CallControlClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.clientId = options.clientId;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.WebSocketImpl = options.WebSocket ?? WebSocket;
    this.tokens = new TokenSource({
      baseUrl: this.baseUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      fetch: this.fetchImpl,
      now: options.now ?? Date.now,
      refreshMarginMs: options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS,
    });
  }

  /** The current access token (cached; fetched or refreshed when needed). */
  accessToken(options: CallOptions = {}): Promise<string> {
    return this.tokens.get(options.signal);
  }

  /** Asks the server for a new token now, and keeps it. Returns the token response as sent. */
  requestToken(options: CallOptions = {}): Promise<TokenResponse> {
    return this.tokens.fetchNew(options.signal);
  }

  /** `GET /callcontrol`: the application's route point and the DNs it monitors. */
  listDns(options?: CallOptions): Promise<DnInfo[]> {
    return this.get('/callcontrol', options);
  }

  /** `GET /callcontrol/{dn}`. */
  getDn(dn: string, options?: CallOptions): Promise<DnInfo> {
    return this.get(`/callcontrol/${encodeURIComponent(dn)}`, options);
  }

  /** `GET /callcontrol/{dn}/devices`: the DN's registered devices. */
  listDevices(dn: string, options?: CallOptions): Promise<Device[]> {
    return this.get(`/callcontrol/${encodeURIComponent(dn)}/devices`, options);
  }

  /** `GET /callcontrol/{dn}/devices/{deviceid}` (the id is percent-encoded). */
  getDevice(dn: string, deviceId: string, options?: CallOptions): Promise<Device> {
    return this.get(devicePath(dn, deviceId), options);
  }

  /** `GET /callcontrol/{dn}/participants`. */
  listParticipants(dn: string, options?: CallOptions): Promise<Participant[]> {
    return this.get(`/callcontrol/${encodeURIComponent(dn)}/participants`, options);
  }

  /** `GET /callcontrol/{dn}/participants/{id}`. */
  getParticipant(dn: string, id: number, options?: CallOptions): Promise<Participant> {
    return this.get(participantPath(dn, id), options);
  }

  /** GETs an entity path as an event names it (`/callcontrol/{dn}/participants/{id}` or `.../devices/{id}`). */
  async getEntity<T = Participant | Device>(entity: string, options?: CallOptions): Promise<T> {
    if (!entity.startsWith('/')) throw new TypeError(`an entity path starts with '/', got '${entity}'`);
    return this.get<T>(entity, options);
  }

  /**
   * `POST /callcontrol/{dn}/makecall`. With several devices on the DN the server may answer 202 with `result: null`:
   * the outcome then shows in the DN's participants.
   */
  makeCall(dn: string, request: MakeCallRequest, options?: CallOptions): Promise<ActionResult> {
    return this.post(`/callcontrol/${encodeURIComponent(dn)}/makecall`, request, options);
  }

  /** `POST /callcontrol/{dn}/devices/{deviceid}/makecall`: the call starts from that device. */
  makeCallFromDevice(dn: string, deviceId: string, request: MakeCallRequest, options?: CallOptions): Promise<ActionResult> {
    return this.post(`${devicePath(dn, deviceId)}/makecall`, request, options);
  }

  /** `drop`: the participant leaves the call. */
  drop(dn: string, id: number, options?: CallOptions): Promise<ActionResult> {
    return this.action(dn, id, 'drop', {}, options);
  }

  /** `answer`: a Ringing participant with direct control, or on a route point, answers. */
  answer(dn: string, id: number, options?: CallOptions): Promise<ActionResult> {
    return this.action(dn, id, 'answer', {}, options);
  }

  /** `divert`: a Ringing participant's call goes to `destination` instead. */
  divert(dn: string, id: number, request: RouteRequest, options?: CallOptions): Promise<ActionResult> {
    return this.action(dn, id, 'divert', request, options);
  }

  /** `routeto`: offers the call to `destination`; the participant stays until the destination answers. */
  routeTo(dn: string, id: number, request: RouteRequest, options?: CallOptions): Promise<ActionResult> {
    return this.action(dn, id, 'routeto', request, options);
  }

  /** `transferto`: a Connected participant's call is transferred to `destination`. */
  transferTo(dn: string, id: number, request: RouteRequest, options?: CallOptions): Promise<ActionResult> {
    return this.action(dn, id, 'transferto', request, options);
  }

  /** `attach_participant_data`: key/values on this participant's connection. */
  attachParticipantData(dn: string, id: number, request: AttachDataRequest, options?: CallOptions): Promise<ActionResult> {
    return this.action(dn, id, 'attach_participant_data', request, options);
  }

  /** `attach_party_data`: key/values on the other party's connection. */
  attachPartyData(dn: string, id: number, request: AttachDataRequest, options?: CallOptions): Promise<ActionResult> {
    return this.action(dn, id, 'attach_party_data', request, options);
  }

  /** `POST /callcontrol/{dn}/participants/{id}/{action}` with any action name and body. */
  action(dn: string, id: number, action: ParticipantActionName, body: object = {}, options?: CallOptions): Promise<ActionResult> {
    return this.post(`${participantPath(dn, id)}/${action}`, body, options);
  }

  /**
   * Resolves with the first participant of `dn` that matches (`{status: 'Connected'}`, or a test), re-read after each
   * of its Upserts, or already matching. Rejects with WaitTimeoutError after `timeoutMs` (default 10 s).
   */
  waitForParticipant(dn: string, match: ParticipantMatch, options?: WaitOptions): Promise<Participant> {
    return waitForParticipant(this, dn, match, options);
  }

  /** Resolves once participant `id` of `dn` has left (its Remove arrived, or it was gone already); WaitTimeoutError after `timeoutMs`. */
  waitForRemoval(dn: string, id: number, options?: WaitOptions): Promise<void> {
    return waitForRemoval(this, dn, id, options);
  }

  /**
   * The application's events from `/callcontrol/ws`, as an async iterator of frames. Connecting starts at once;
   * `await stream.ready()` before causing events you need to see.
   */
  events(options: EventStreamOptions = {}): EventStream {
    const url = new URL(`${this.baseUrl}/callcontrol/ws`);
    // 3CX serves the socket on the same origin as REST: wss for https, ws for http.
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return new EventStream({ url: url.toString(), baseUrl: this.baseUrl, tokens: this.tokens, WebSocket: this.WebSocketImpl }, options);
  }

  /**
   * `GET /callcontrol/{dn}/participants/{id}/stream`: what the participant hears, as it arrives: raw PCM, signed
   * 16-bit little-endian, 8000 Hz, mono (16,000 bytes/s). Resolves once the server has accepted the request, with a
   * Node Readable of Buffer chunks (an async iterable) that ends when the participant leaves; `destroy()` it, `break`
   * out of `for await`, or abort `signal` to stop listening. 404 (no such participant) and 424 `NotConnected` (it is
   * still Ringing or Dialing: retry once it is Connected) throw {@link CallControlError}.
   */
  async readStream(dn: string, participantId: number, options: CallOptions = {}): Promise<Readable> {
    const path = `${participantPath(dn, participantId)}/stream`;
    const response = await this.authorized('GET', path, { accept: 'application/octet-stream' }, undefined, options.signal);
    if (!response.ok || !response.body) throw await this.failure(response, `GET ${path}`);
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  }

  /**
   * `POST /callcontrol/{dn}/participants/{id}/stream`: the participant speaks `audio` (raw PCM, signed 16-bit
   * little-endian, 8000 Hz, mono; bytes are sent as they are, so a WAV header plays as a click). `audio` is the whole
   * sound, or an async iterable of chunks (a Node Readable, a generator) uploaded as it yields them, chunked. The server
   * plays it at real time; the promise resolves with its answer, which comes once the upload has played (the
   * participant also gets a PromptPlaybackFinished event), when a newer upload replaces it, or when the participant
   * leaves. A chunk source not exhausted by then is closed (its `return()` is called). Refusals (404, 424 `NotConnected`) throw {@link CallControlError}. A chunk source cannot
   * be sent twice, so unlike other requests its 401 is not retried with a new token.
   */
  async writeStream(dn: string, participantId: number, audio: Uint8Array | AsyncIterable<Uint8Array>, options: CallOptions = {}): Promise<ActionResult> {
    const path = `${participantPath(dn, participantId)}/stream`;
    const headers = { accept: 'application/json', 'content-type': 'application/octet-stream' };
    if (audio instanceof Uint8Array) return this.result(await this.authorized('POST', path, headers, audio, options.signal), `POST ${path}`);
    const chunks = audio[Symbol.asyncIterator]();
    try {
      const response = await this.authorized('POST', path, headers, bodyStream(chunks), options.signal);
      return await this.result(response, `POST ${path}`);
    } finally {
      // The answer came (or the request failed) before the source ran out: what it would still give is not wanted.
      // Not awaited: a generator's return() waits for a next() the upload may have left pending.
      chunks.return?.()?.catch(() => undefined);
    }
  }

  private async get<T>(path: string, options: CallOptions = {}): Promise<T> {
    const response = await this.authorized('GET', path, { accept: 'application/json' }, undefined, options.signal);
    if (!response.ok) throw await this.failure(response, `GET ${path}`);
    return (await readBody(response)) as T;
  }

  private async post(path: string, body: object, options: CallOptions = {}): Promise<ActionResult> {
    const headers = { accept: 'application/json', 'content-type': 'application/json; charset=utf-8' };
    return this.result(await this.authorized('POST', path, headers, JSON.stringify(body), options.signal), `POST ${path}`);
  }

  /** A command's answer: the result body with its HTTP status (200 done, 202 pending); an error status throws. */
  private async result(response: Response, request: string): Promise<ActionResult> {
    if (!response.ok) throw await this.failure(response, request);
    return { ...((await readBody(response)) as CallControlResult), status: response.status };
  }

  /**
   * Sends a request with the bearer token. A 401 (revoked, expired early, or the clocks disagree) gets a new token
   * and, when the body can be sent again, one retry.
   */
  private async authorized(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: string | Uint8Array | ReadableStream<Uint8Array> | undefined, signal: AbortSignal | undefined): Promise<Response> {
    const streamed = body instanceof ReadableStream; // sent as it is read (chunked), so only once
    const attempt = async (token: string) =>
      fetchOrExplain(this.fetchImpl, this.baseUrl, `${this.baseUrl}${path}`, {
        method,
        headers: { ...headers, authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { body }),
        ...(streamed ? { duplex: 'half' as const } : {}),
        ...(signal ? { signal } : {}),
      });
    let token = await this.tokens.get(signal);
    let response = await attempt(token);
    if (response.status === 401) {
      this.tokens.invalidate(token);
      if (streamed) return response;
      await response.body?.cancel();
      token = await this.tokens.get(signal);
      response = await attempt(token);
    }
    return response;
  }

  /** The CallControlError for an error response (its body read). */
  private async failure(response: Response, request: string): Promise<CallControlError> {
    const parsed = await readBody(response);
    return new CallControlError({
      status: response.status,
      reason: stringField(parsed, 'reason') ?? (response.statusText || `HTTP ${response.status}`),
      reasontext: stringField(parsed, 'reasontext') ?? (typeof parsed === 'string' ? parsed.slice(0, 200) : ''),
      body: parsed,
      request,
    });
  }
}

/** A web stream pulling from `chunks` one at a time, as the upload can take them (fetch's back-pressure reaches the source). */
function bodyStream(chunks: AsyncIterator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
}
