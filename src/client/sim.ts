// SimClient: a typed client of Switchboard's /sim control plane (play callers and phones, behaviours, fake time).

import { fetchOrExplain, readBody, SimError, stringField } from './errors.js';
import { waitForLiveParty, type PartyWaitOptions } from './sim-waits.js';

/**
 * How a simulated phone or external number reacts when offered a call: answer after `afterMs`; `manual` (rings
 * until told); `busy` or `reject` (refuses at once); `never` (rings until the ring timeout); `unreachable`.
 */
export type SimBehaviour = { kind: 'answer'; afterMs: number } | { kind: 'manual' | 'busy' | 'reject' | 'never' | 'unreachable' };

export interface SimDevice {
  deviceId: string;
  userAgent: string;
  directControl: boolean;
  registered: boolean;
  /** null for route point, IVR, queue and trunk devices, which the PBX itself drives. */
  behaviour: SimBehaviour | null;
}

export interface SimDn {
  dn: string;
  /** The 3CX type name (`Wextension`, `Wroutepoint`, ...). */
  type: string;
  /** `extension`, `routepoint`, `ivr`, `queue` or `externalline`. */
  kind: string;
  name: string;
  /** Route points only: whether they answer offered calls by themselves. */
  autoAnswer: boolean | null;
  devices: SimDevice[];
}

/** A participant as the simulation sees it: the wire fields in camelCase, plus what the wire does not carry. */
export interface SimParticipant {
  id: number;
  dn: string;
  status: string;
  deviceId: string;
  /** Its own caller id. */
  number: string;
  name: string;
  partyDn: string;
  partyCallerId: string;
  partyCallerName: string;
  directControl: boolean;
  held: boolean;
  /** The participant it talks to or is offered by. */
  peerId: number | null;
  attachedData: Record<string, string>;
  callId: number;
  legId: number;
}

/** A simulated party: an extension's phone leg, or an external caller or callee on a trunk. */
export interface SimParty extends SimParticipant {
  kind: 'phone' | 'external';
}

export interface SimCall {
  callId: number;
  did: string;
  participants: SimParticipant[];
}

export interface SimClock {
  /** ISO 8601. */
  now: string;
  /** True when the server runs on a fake clock (`--fake-clock`) that only `advanceClock` moves. */
  fake: boolean;
}

/** One SIP registration: the device it made (contact = device_id) and where it came from. */
export interface SipRegistration {
  extension: string;
  aor: string;
  contact: string;
  userAgent: string;
  /** `udp:127.0.0.1:5062`: transport, address and port the registration came from. */
  source: string;
  expiresInSeconds: number;
}

/** The RTP figures of a SIP leg (GET /sim/sip/rtp; docs/rtp.md lists every field with its unit). */
export interface SimRtp {
  local: { address: string; port: number } | null;
  remote: { address: string; port: number } | null;
  codec: string | null;
  ptimeMs: number | null;
  direction: string | null;
  packetsSent: number;
  payloadBytesSent: number;
  packetsReceived: number;
  payloadBytesReceived: number | null;
  packetsLost: number;
  fractionLost: number;
  jitterMs: number;
  farEnd: { fractionLost: number; packetsLost: number; jitterMs: number; roundTripMs: number | null } | null;
  rtcp: { lastSrReceivedAt: string | null; lastRrReceivedAt: string | null };
  invalidPackets: number;
  ignoredPackets: number;
  digitsReceived: number;
  byeReceived: boolean;
  jitterBuffer: Record<'accepted' | 'late' | 'duplicates' | 'refused' | 'concealedFrames' | 'underruns' | 'overflowDroppedFrames' | 'shrinkDroppedFrames' | 'stretchedFrames' | 'ssrcChanges', number>;
}

/** One RTP session of a SIP leg, by the participant it carries. */
export interface SimRtpSession {
  participantId: number;
  dn: string;
  deviceId: string;
  rtp: SimRtp;
}

/** One SIP trunk and its registration to the provider. */
export interface SipTrunk {
  trunk: string;
  name: string;
  /** `udp:sip.example.com:5060`: transport, host and port of the provider. */
  provider: string;
  /** register: the trunk registers to the provider; peer: the provider is known by its source addresses. */
  mode: 'register' | 'peer';
  /** null in peer mode. */
  registration: {
    state: 'unregistered' | 'registering' | 'registered' | 'failed';
    lastStatus: number | null;
    lastReason: string | null;
    expiresInSeconds: number | null;
    nextAttemptInSeconds: number | null;
    registrations: number;
    failures: number;
  } | null;
}

export interface SimState {
  clock: SimClock;
  dns: SimDn[];
  calls: SimCall[];
  parties: SimParty[];
}

/** A participant that left, and why (the Remove event carries no cause). */
export interface SimRemoval {
  participantId: number;
  dn: string;
  callId: number;
  legId: number;
  deviceId: string;
  /** Its status when it left. */
  status: string;
  partyCallerId: string;
  /** dropped, hangup, peer-left, replaced, answered-elsewhere, diverted, cancelled, no-answer, busy, rejected, unreachable, not-registered, unregistered, reset. */
  cause: string;
  /** ISO 8601, PBX time. */
  at: string;
}

export interface PlaceCallRequest {
  /** An external number (calls in through the trunk) or an extension number (its phone dials out). */
  from: string;
  /** A DID, an internal number, or (from an extension) any number. */
  to: string;
  callerName?: string;
  /** Dial this DID instead of `to`. */
  did?: string;
  /** The extension device that dials (default: its first registered device). */
  device?: string;
}

export interface PlaceCallResult {
  callId: number;
  /** The calling party's id (use it with answer, hangup, dtmf). */
  partyId: number;
  party: SimParty;
}

/** A party action's answer: the party as it is now, or null once it has left. */
export interface PartyActionResult {
  party: SimParty | null;
}

export interface NumberSettings {
  behaviour: SimBehaviour;
  callerName?: string;
}

export interface NumberResult {
  number: string;
  behaviour: SimBehaviour;
  callerName: string;
}

export interface DeviceSettings {
  behaviour?: SimBehaviour;
  directControl?: boolean;
}

export interface RegisterDeviceRequest {
  id: string;
  userAgent?: string;
  directControl?: boolean;
  behaviour?: SimBehaviour;
}

/**
 * A sound a party plays with {@link SimClient.playAudio}: a WAV file (any rate, depth and channels), raw PCM (signed
 * 16-bit little-endian, 8000 Hz, mono), a tone (one frequency or two, in Hz, for `ms`, at `levelDbm0` per frequency),
 * or key presses as in-band DTMF tones.
 */
export type SimSound =
  | { wav: Uint8Array }
  | { pcm: Uint8Array }
  | { tone: number | number[]; ms: number; levelDbm0?: number }
  | { dtmf: string; toneMs?: number; gapMs?: number };

export interface PlayAudioResult {
  party: SimParty;
  /** How long the sound plays, in ms. */
  durationMs: number;
}

/**
 * What a simulated party sends into its calls unless told to play something: silence (the default); echo (what it
 * hears, `delayMs` later, default 60); a tone (one frequency or two, at `levelDbm0`, default -13); a WAV file on the
 * server (once, or looped).
 */
export type SimMediaBehaviour =
  | { kind: 'silence' }
  | { kind: 'echo'; delayMs?: number }
  | { kind: 'tone'; frequencyHz: number | number[]; levelDbm0?: number }
  | { kind: 'wav'; path: string; loop?: boolean };

export interface SimMediaState {
  /** What parties without their own behaviour send. */
  default: SimMediaBehaviour;
  /** By external number. */
  numbers: Record<string, SimMediaBehaviour>;
  devices: { dn: string; deviceId: string; media: SimMediaBehaviour }[];
}

export interface SimClientOptions {
  /** Switchboard's base URL, e.g. `http://127.0.0.1:5001`. */
  baseUrl: string;
  /** The admin key printed at start (SWITCHBOARD_ADMIN_KEY). */
  adminKey: string;
  /** Replaces the global fetch. */
  fetch?: typeof fetch;
}

/**
 * A client of Switchboard's simulation control plane (`/sim`): place calls as external callers or extension phones,
 * answer, reject, hang up and press keys as them, change behaviours, register devices, move fake time, reset.
 * Refusals throw {@link SimError} (network failures: ConnectionError).
 */
export class SimClient {
  readonly baseUrl: string;
  private readonly adminKey: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: SimClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.adminKey = options.adminKey;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * Resolves with the party once it has `status` (`'Connected'`...), or at once if it has it already, watching the
   * live feed (/sim/live) rather than polling. Rejects with WaitTimeoutError after `timeoutMs` (default 10 s). Time
   * is the real clock: with a fake clock, advance it (without awaiting this first) to make the change happen.
   */
  async waitForParty(id: number, { status }: { status: string }, options: PartyWaitOptions = {}): Promise<SimParty> {
    await waitForLiveParty(this.baseUrl, this.adminKey, id, (party) => party?.status === status, `party ${id} becoming ${status}`, options);
    return this.party(id);
  }

  /** Resolves once the party is in no call (it hung up, or was hung up on), or at once if it is in none. */
  async waitForPartyGone(id: number, options: PartyWaitOptions = {}): Promise<void> {
    await waitForLiveParty(this.baseUrl, this.adminKey, id, (party) => party === undefined, `party ${id} leaving its call`, options);
  }

  /** Everything: DNs with devices and behaviours, calls with their participants, simulated parties, the clock. */
  state(): Promise<SimState> {
    return this.send('GET', '/sim/state');
  }

  /** The SIP phones registered now (an empty list when the server runs no SIP). */
  sipRegistrations(): Promise<SipRegistration[]> {
    return this.send('GET', '/sim/sip/registrations');
  }

  /** The SIP trunks and their registrations (an empty list when the server runs no SIP or no trunk is SIP). */
  sipTrunks(): Promise<SipTrunk[]> {
    return this.send('GET', '/sim/sip/trunks');
  }

  /** The RTP sessions of SIP legs alive now, with their figures (an empty list when no SIP leg has media). */
  sipRtpSessions(): Promise<SimRtpSession[]> {
    return this.send('GET', '/sim/sip/rtp');
  }

  /** An external number calls in through the trunk, or an extension's phone dials out. */
  placeCall(request: PlaceCallRequest): Promise<PlaceCallResult> {
    return this.send('POST', '/sim/calls', request);
  }

  /** Every simulated party on a call. */
  parties(): Promise<SimParty[]> {
    return this.send('GET', '/sim/parties');
  }

  /** Participants that left recently, oldest first, with the cause of each removal (a busy destination, no answer...). */
  removals(): Promise<SimRemoval[]> {
    return this.send('GET', '/sim/removals');
  }

  party(id: number): Promise<SimParty> {
    return this.send('GET', `/sim/parties/${id}`);
  }

  /** The party (Ringing) answers. */
  answer(id: number): Promise<PartyActionResult> {
    return this.send('POST', `/sim/parties/${id}/answer`);
  }

  /** The party (Ringing) declines. */
  reject(id: number): Promise<PartyActionResult> {
    return this.send('POST', `/sim/parties/${id}/reject`);
  }

  /** The party (Ringing) answers busy. */
  busy(id: number): Promise<PartyActionResult> {
    return this.send('POST', `/sim/parties/${id}/busy`);
  }

  /** The party hangs up, in any state. */
  hangup(id: number): Promise<PartyActionResult> {
    return this.send('POST', `/sim/parties/${id}/hangup`);
  }

  /**
   * The party presses keys: each digit reaches the participant it talks to as a DTMFstring event, in order;
   * `intervalMs` paces them like a person typing (on the server's clock).
   */
  dtmf(id: number, digits: string, options: { intervalMs?: number } = {}): Promise<PartyActionResult> {
    return this.send('POST', `/sim/parties/${id}/dtmf`, { digits, ...options });
  }

  /** What an external number does when called. */
  setNumber(number: string, settings: NumberSettings): Promise<NumberResult> {
    return this.send('PUT', `/sim/numbers/${encodeURIComponent(number)}`, settings);
  }

  /** Changes an extension phone's behaviour or direct control (for calls offered from now on). */
  setDevice(dn: string, deviceId: string, settings: DeviceSettings): Promise<SimDevice> {
    return this.send('PUT', `/sim/devices/${encodeURIComponent(dn)}/${encodeURIComponent(deviceId)}`, settings);
  }

  /** Registers a phone on an extension (applications see a device Upsert). */
  registerDevice(dn: string, device: RegisterDeviceRequest): Promise<SimDevice> {
    return this.send('POST', `/sim/devices/${encodeURIComponent(dn)}`, device);
  }

  /** Unregisters a phone (its calls end; applications see a device Remove). */
  unregisterDevice(dn: string, deviceId: string): Promise<SimDevice> {
    return this.send('DELETE', `/sim/devices/${encodeURIComponent(dn)}/${encodeURIComponent(deviceId)}`);
  }

  /** Turns a route point's auto-answer on or off. */
  setRoutePoint(dn: string, settings: { autoAnswer: boolean }): Promise<{ autoAnswer: boolean }> {
    return this.send('PUT', `/sim/routepoints/${encodeURIComponent(dn)}`, settings);
  }

  /**
   * The party (Connected) plays a sound into its call, in place of its media behaviour, until the sound ends; a newer
   * sound replaces it. It plays on the server's clock: with a fake clock, as `advanceClock` moves time.
   */
  async playAudio(id: number, sound: SimSound): Promise<PlayAudioResult> {
    const path = `/sim/parties/${id}/audio`;
    if (!('wav' in sound || 'pcm' in sound)) return this.send('POST', path, sound);
    const file = 'wav' in sound ? { body: sound.wav, contentType: 'audio/wav' } : { body: sound.pcm, contentType: 'application/octet-stream' };
    return (await readBody(await this.request('POST', path, { ...file, accept: 'application/json' }))) as PlayAudioResult;
  }

  /**
   * Everything the party heard since it connected (also after it left, for the most recent parties): a WAV file (8 kHz
   * mono 16-bit), or with `format: 'raw'` the bare PCM (signed 16-bit little-endian).
   */
  async recording(id: number, options: { format?: 'wav' | 'raw' } = {}): Promise<Buffer> {
    const query = options.format === undefined ? '' : `?format=${options.format}`;
    const response = await this.request('GET', `/sim/parties/${id}/recording${query}`, { accept: options.format === 'raw' ? 'application/octet-stream' : 'audio/wav' });
    return Buffer.from(await response.arrayBuffer());
  }

  /** The media behaviours in force: the default, per external number, per phone. */
  media(): Promise<SimMediaState> {
    return this.send('GET', '/sim/media');
  }

  /** What parties without a behaviour of their own send, in calls connected from now on. */
  setDefaultMedia(media: SimMediaBehaviour): Promise<{ media: SimMediaBehaviour }> {
    return this.send('PUT', '/sim/media/default', media);
  }

  /** What an external number sends, in calls connected from now on. */
  setNumberMedia(number: string, media: SimMediaBehaviour): Promise<{ number: string; media: SimMediaBehaviour }> {
    return this.send('PUT', `/sim/media/numbers/${encodeURIComponent(number)}`, media);
  }

  /** What an extension's phone sends, in calls connected from now on. */
  setDeviceMedia(dn: string, deviceId: string, media: SimMediaBehaviour): Promise<{ dn: string; deviceId: string; media: SimMediaBehaviour }> {
    return this.send('PUT', `/sim/media/devices/${encodeURIComponent(dn)}/${encodeURIComponent(deviceId)}`, media);
  }

  clock(): Promise<SimClock> {
    return this.send('GET', '/sim/clock');
  }

  /** Moves fake time forward (the server runs with `--fake-clock`): ring, menu and queue timeouts fire. */
  advanceClock(ms: number): Promise<SimClock> {
    return this.send('POST', '/sim/clock/advance', { ms });
  }

  /** Ends every call and restores the configured devices, behaviours and settings. */
  reset(): Promise<{ ok: boolean }> {
    return this.send('POST', '/sim/reset');
  }

  private async send<T>(method: Method, path: string, body?: object): Promise<T> {
    const json = body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' };
    return (await readBody(await this.request(method, path, { ...json, accept: 'application/json' }))) as T;
  }

  /** Sends a request with the admin key; a refusal throws SimError. */
  private async request(method: Method, path: string, init: { body?: string | Uint8Array; contentType?: string; accept: string }): Promise<Response> {
    const response = await fetchOrExplain(this.fetchImpl, this.baseUrl, `${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminKey}`, accept: init.accept, ...(init.contentType === undefined ? {} : { 'content-type': init.contentType }) },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    if (!response.ok) {
      const parsed = await readBody(response);
      const error = stringField(parsed, 'error') ?? (response.statusText || `HTTP ${response.status}`);
      throw new SimError(response.status, error, stringField(parsed, 'message') ?? `${method} ${path}: ${response.status} ${error}`);
    }
    return response;
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
