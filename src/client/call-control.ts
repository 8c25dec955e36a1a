// CallControlClient: a typed client of the 3CX V20 Call Control API (tokens, REST, events) with nothing Switchboard-specific.

import { WebSocket } from 'ws';
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
   * The application's events from `/callcontrol/ws`, as an async iterator of frames. Connecting starts at once;
   * `await stream.ready()` before causing events you need to see.
   */
  events(options: EventStreamOptions = {}): EventStream {
    const url = new URL(`${this.baseUrl}/callcontrol/ws`);
    // 3CX serves the socket on the same origin as REST: wss for https, ws for http.
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return new EventStream({ url: url.toString(), baseUrl: this.baseUrl, tokens: this.tokens, WebSocket: this.WebSocketImpl }, options);
  }

  private async get<T>(path: string, options?: CallOptions): Promise<T> {
    return (await this.send('GET', path, undefined, options)).body as T;
  }

  private async post(path: string, body: object, options?: CallOptions): Promise<ActionResult> {
    const response = await this.send('POST', path, body, options);
    return { ...(response.body as CallControlResult), status: response.status };
  }

  private async send(method: 'GET' | 'POST', path: string, body: object | undefined, options: CallOptions = {}): Promise<{ status: number; body: unknown }> {
    const { signal } = options;
    const attempt = async (token: string) =>
      fetchOrExplain(this.fetchImpl, this.baseUrl, `${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    let token = await this.tokens.get(signal);
    let response = await attempt(token);
    if (response.status === 401) {
      // Revoked, expired early, or the clocks disagree: once, with a new token.
      await response.body?.cancel();
      this.tokens.invalidate(token);
      token = await this.tokens.get(signal);
      response = await attempt(token);
    }
    const parsed = await readBody(response);
    if (!response.ok) {
      throw new CallControlError({
        status: response.status,
        reason: stringField(parsed, 'reason') ?? (response.statusText || `HTTP ${response.status}`),
        reasontext: stringField(parsed, 'reasontext') ?? (typeof parsed === 'string' ? parsed.slice(0, 200) : ''),
        body: parsed,
        request: `${method} ${path}`,
      });
    }
    return { status: response.status, body: parsed };
  }
}
