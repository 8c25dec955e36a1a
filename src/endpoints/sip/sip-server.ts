// The PBX's SIP server: transport, transactions, digest registrar over the PBX's devices, calls to and from phones, OPTIONS, per-source bans, logging and counters.

import type { PbxConfig, SipAutoAnswer } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import type { Pbx } from '../../core/pbx.js';
import { FailureLimiter, type FailureLimiterOptions } from '../../guard/failure-limiter.js';
import { canonicalSource } from '../../guard/source-limiter.js';
import { MAX_SIP_BAN_ENTRIES, SIP_AUTH_FAILURE_WINDOW_SECONDS, SIP_MAX_AUTH_FAILURES } from '../../limits.js';
import { buildResponse, randomToken } from '../../sip/builders.js';
import { DigestServer } from '../../sip/digest-server.js';
import { parseNameAddr } from '../../sip/address.js';
import { callIdOf, type SipMessage, type SipRequest, type SipResponse } from '../../sip/message.js';
import type { NonInviteClientEvents } from '../../sip/non-invite-client.js';
import { answerOptions, Registrar } from '../../sip/registrar.js';
import type { Peer } from '../../sip/transaction.js';
import { InviteServerTransaction } from '../../sip/invite-server.js';
import { TransactionLayer, type ServerTransaction } from '../../sip/transaction-layer.js';
import { SipTransport, type BoundPorts } from '../../sip/transport.js';
import { checkRequest, type RequestPolicy } from '../../sip/validate.js';
import { RtpPortPool } from '../../media/rtp/port-pool.js';
import { decodePercent, isSipUri } from '../../sip/uri.js';
import { DEFAULT_TIMERS } from '../../sip/transaction.js';
import { CallDialogs, type CallSignalling } from './call-dialogs.js';
import { BindingRefusedError, PbxBindingStore } from './pbx-bindings.js';
import { SipPhoneEndpoint, type PhoneDevice, type PhoneRtpSession } from './sip-phone.js';

/** Methods answered: registration, and calls with their in-dialog requests. */
const POLICY: RequestPolicy = { methods: ['REGISTER', 'OPTIONS', 'INVITE', 'ACK', 'CANCEL', 'BYE', 'UPDATE', 'INFO', 'NOTIFY'], extensions: ['path', 'outbound'], bodyTypes: ['application/sdp'] };

export interface SipLog {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

const SILENT: SipLog = { debug: () => undefined, info: () => undefined, warn: () => undefined };

export interface SipServerOptions {
  pbx: Pbx;
  config: PbxConfig;
  /** The PBX clock: binding expiry, nonces and bans (a fake clock moves them in tests). */
  clock: Clock;
  /** Real time for retransmissions and connection idling. */
  networkClock: Clock;
  /** Folder of sip-bindings.json; null keeps nothing across restarts. */
  dataDir: string | null;
  /** Overrides config.server.sip host/port (0: a free port). */
  host?: string;
  port?: number;
}

/** Where SIP over TLS listens (0: a free port) and the PEM certificate and key it presents. */
export interface SipTlsListener {
  port: number;
  cert: string;
  key: string;
}

/** Counters for /metrics. */
export interface SipCounters {
  transactions: number;
  registrations: number;
  authFailures: number;
  bans: number;
}

/** One registration as GET /sim/sip/registrations lists it. */
export interface SipRegistration {
  extension: string;
  aor: string;
  contact: string;
  userAgent: string;
  source: string;
  expiresInSeconds: number;
}

/**
 * The per-source ban on the shared failure limiter: SIP_MAX_AUTH_FAILURES failures within the window ban a source
 * for `banSeconds`; every source is an unknown principal (one bounded table, the least recently failing forgotten).
 */
export function sipBanOptions(banSeconds: number): FailureLimiterOptions {
  return {
    maxFailures: SIP_MAX_AUTH_FAILURES,
    windowMs: SIP_AUTH_FAILURE_WINDOW_SECONDS * 1000,
    lockoutMs: banSeconds * 1000,
    maxKnownEntries: 0,
    maxUnknownEntries: MAX_SIP_BAN_ENTRIES,
    forgetLeastRecent: true,
  };
}

/** The ban key of a source address: one host is one source however it is spelled (IPv4-mapped IPv6, case). */
export function sipSourceKey(host: string): string {
  return canonicalSource(host);
}

export class SipServer {
  readonly counters: SipCounters = { transactions: 0, registrations: 0, authFailures: 0, bans: 0 };
  private readonly store: PbxBindingStore;
  private readonly registrar: Registrar;
  private transport: SipTransport | undefined;
  private readonly layer: TransactionLayer;
  /** Failed authentications per source address (every source is an unknown principal: one bounded table). */
  private readonly ban: FailureLimiter;
  private readonly toTag = randomToken();
  private log: SipLog = SILENT;
  private bound: BoundPorts = {};
  private readonly digest: DigestServer;
  private readonly byAuthId: Map<string, PbxConfig['extensions'][number]>;
  private readonly dialogs = new CallDialogs();
  private readonly pool: RtpPortPool;
  /** The endpoint of every registered phone. */
  readonly phones: SipPhoneEndpoint;

  constructor(private readonly options: SipServerOptions) {
    const sip = options.config.server.sip;
    const clock = options.clock;
    const byAuthId = new Map(options.config.extensions.filter((e) => e.sip).map((e) => [e.sip!.authId, e]));
    const sipExtensions = new Set(byAuthId.size > 0 ? [...byAuthId.values()].map((e) => e.number) : []);
    this.store = new PbxBindingStore({
      pbx: options.pbx,
      clock,
      dataDir: options.dataDir,
      extensionOf: (aor) => {
        const user = /^sips?:([^@]+)@/.exec(aor)?.[1];
        return user !== undefined && sipExtensions.has(user) ? user : undefined;
      },
      log: (level, message, fields) => this.log[level](fields ?? {}, message),
      directControl: (extension) => this.autoAnswerOf(extension) !== 'none',
    });
    const digest = new DigestServer({ realm: sip.realm, clock, algorithms: sip.algorithms });
    this.digest = digest;
    this.byAuthId = byAuthId;
    this.registrar = new Registrar({
      clock,
      store: this.store,
      digest,
      // The auth id must belong to the extension named in To: one extension cannot register another's phones.
      password: (authUser, toUser) => {
        const extension = byAuthId.get(authUser);
        return extension && extension.number === toUser ? extension.sip!.password : undefined;
      },
    });
    this.ban = new FailureLimiter(clock, sipBanOptions(sip.banSeconds));
    this.layer = new TransactionLayer({
      clock: options.networkClock,
      send: (msg, peer) => {
        this.logMessage('out', msg, peer);
        if (!this.transport) throw new Error('SIP is not running');
        this.transport.send(msg, peer);
      },
      user: {
        request: (request, tx, source) => this.request(request, tx, source),
        cancel: (invite) => this.phones.cancel(invite),
      },
    });
    const pool = new RtpPortPool({ address: sip.rtp.address, minPort: sip.rtp.portMin, maxPort: sip.rtp.portMax });
    this.pool = pool;
    this.phones = new SipPhoneEndpoint({
      pbx: options.pbx,
      sig: this.signalling(),
      media: { pool, clock },
      device: (dn, deviceId) => this.phoneDevice(dn, deviceId),
      autoAnswer: (dn) => this.autoAnswerOf(dn),
    });
  }

  /** Where log lines go (the API's logger once it exists). */
  attachLog(log: SipLog): void {
    this.log = log;
  }

  /** Restores saved bindings, then listens: UDP/TCP as configured, and TLS on its own port when `tls` is given. */
  async start(tls?: SipTlsListener): Promise<BoundPorts> {
    const sip = this.options.config.server.sip;
    this.store.load();
    this.transport = new SipTransport({
      host: this.options.host ?? sip.host,
      port: this.options.port ?? sip.port,
      transports: sip.transports,
      ...(tls ? { tls } : {}),
      clock: this.options.networkClock,
      onMessage: (msg, source) => this.receive(msg, source),
      onError: (error, peer) => this.log.debug({ source: describePeer(peer), error: error.message }, 'SIP message refused'),
    });
    this.bound = await this.transport.start();
    return this.bound;
  }

  async stop(): Promise<void> {
    this.store.stop();
    this.phones.stop();
    // The BYEs and CANCELs of calls just ended are still on their way to the socket (a UDP send resolves its
    // address asynchronously): let them go out before it closes.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.transport?.stop();
  }

  get ports(): BoundPorts {
    return this.bound;
  }

  /** Live transactions and bindings, and sources banned now, for /metrics gauges. */
  get liveTransactions(): number {
    return this.layer.size;
  }

  get bindingCount(): number {
    return this.store.size;
  }

  get bannedSources(): number {
    return this.ban.blockedCount;
  }

  /** True when `deviceId` on `extension` is a SIP registration (not a configured simulated device). */
  isSipDevice(extension: string, deviceId: string): boolean {
    return this.store.all().some((b) => b.extension === extension && b.contact === deviceId);
  }

  registrations(): SipRegistration[] {
    const now = this.options.clock.now();
    return this.store.all().map((b) => ({
      extension: b.extension,
      aor: b.aor,
      contact: b.contact,
      userAgent: b.userAgent ?? '',
      source: describePeer(b.source),
      expiresInSeconds: Math.max(0, Math.ceil((b.expiresAtMs - now) / 1000)),
    }));
  }

  /** Sends a request of the PBX's own (a trunk's REGISTER) from its SIP socket through its transaction layer; answers come back through `events`. */
  sendRequest(request: SipRequest, peer: Peer, events: NonInviteClientEvents): void {
    this.layer.sendRequest(request, peer, events);
  }

  /** The live RTP sessions of phone legs, with their RTCP figures. */
  rtpSessions(): PhoneRtpSession[] {
    return this.phones.rtpSessions();
  }

  /** RTP port pairs held by calls with phones now (none once every call has ended and its sockets closed). */
  get rtpPortsInUse(): number {
    return this.pool.inUse;
  }

  /** Dialogs of calls with phones alive now (none once every call has ended). */
  get liveDialogs(): number {
    return this.dialogs.size;
  }

  private receive(msg: SipMessage, source: Peer): void {
    this.logMessage('in', msg, source);
    if (msg.type === 'request') this.layer.receiveRequest(msg, source);
    else this.layer.receiveResponse(msg, source);
  }

  private request(request: SipRequest, tx: ServerTransaction | undefined, source: Peer): void {
    if (!tx) {
      // The ACK of a 2xx: it belongs to its dialog, if any.
      this.dialogs.dispatch(request, undefined);
      return;
    }
    this.counters.transactions += 1;
    const response = this.answer(request, source, tx);
    if (!response) return;
    // Challenges go out statelessly (RFC 3261 §26.3.2.4): an unauthenticated request holds no transaction for Timer J.
    if ((response.status === 401 || response.status === 407) && !(tx instanceof InviteServerTransaction)) tx.respondStatelessly(response);
    else tx.respond(response);
  }

  /** The response to a request, or undefined when a call answers it itself (INVITE, in-dialog requests). */
  private answer(request: SipRequest, source: Peer, tx: ServerTransaction): SipResponse | undefined {
    // A banned source is refused whatever it sends and whoever it claims to be.
    if (this.ban.retryAfterMs(sipSourceKey(source.host), false) > 0) return this.reply(request, 403);
    const refusal = checkRequest(request, POLICY);
    if (refusal) {
      const res = this.reply(request, refusal.status, refusal.reason);
      for (const [name, value] of refusal.headers) res.headers.append(name, value);
      return res;
    }
    switch (request.method) {
      case 'REGISTER':
        return this.register(request, source);
      case 'OPTIONS':
        if (hasToTag(request) && this.dialogs.dispatch(request, tx)) return undefined;
        return answerOptions(request, { allow: POLICY.methods, accept: POLICY.bodyTypes, supported: POLICY.extensions });
      case 'INVITE':
        if (hasToTag(request)) return this.dialogs.dispatch(request, tx) ? undefined : this.reply(request, 481);
        return this.invite(request, tx as InviteServerTransaction, source);
      default:
        if (hasToTag(request) && this.dialogs.dispatch(request, tx)) return undefined;
        // BYE and CANCEL outside any dialog or INVITE.
        return this.reply(request, 481);
    }
  }

  private register(request: SipRequest, source: Peer): SipResponse {
    const before = this.store.size;
    let response: SipResponse;
    try {
      response = this.registrar.register(request, source);
    } catch (error) {
      if (!(error instanceof BindingRefusedError)) throw error;
      this.log.info({ source: describePeer(source), reason: error.message }, 'SIP registration refused');
      return this.reply(request, 403, 'Contact Refused');
    }
    const credentialsFailed = response.status === 401 && request.headers.has('Authorization') && !response.headers.getAll('WWW-Authenticate').some((c) => /stale=true/i.test(c));
    if (credentialsFailed) this.authFailed(source);
    if (response.status === 200 && this.store.size > before) this.counters.registrations += this.store.size - before;
    return response;
  }

  /**
   * A phone places a call: digest-challenged as REGISTER is (same realm, algorithms and ban), then it must come from
   * a binding of the authenticated user's extension (its source or its Contact), else 403.
   */
  private invite(request: SipRequest, tx: InviteServerTransaction, source: Peer): SipResponse | undefined {
    const verdict = this.digest.verify('INVITE', request.headers.get('Authorization'), (user) => this.byAuthId.get(user)?.sip?.password);
    if (!verdict.ok) {
      if (verdict.reason !== 'missing' && !verdict.stale) this.authFailed(source);
      const challenge = this.reply(request, 401);
      for (const value of this.digest.challenge(verdict.stale)) challenge.headers.append('WWW-Authenticate', value);
      return challenge;
    }
    const extension = this.byAuthId.get(verdict.username);
    const contact = request.headers.get('Contact') ?? '';
    const binding = this.store.all().find((b) => b.extension === extension?.number && (samePeer(b.source, source) || contact.includes(b.contact)));
    if (!binding) {
      this.log.info({ source: describePeer(source), user: verdict.username }, 'SIP call refused: not from a registered phone of that user');
      return this.reply(request, 403);
    }
    const device: PhoneDevice = { extension: binding.extension, contact: binding.contact, source: binding.source };
    this.phones.incoming(request, tx, device, destinationOf(request)).catch((error: Error) => this.log.warn({ error: error.message }, 'SIP call from a phone failed'));
    return undefined;
  }

  private authFailed(source: Peer): void {
    this.counters.authFailures += 1;
    if (this.ban.recordFailure(sipSourceKey(source.host), false)) {
      this.counters.bans += 1;
      this.log.warn({ source: source.host, banSeconds: this.options.config.server.sip.banSeconds }, 'SIP source banned after repeated failed authentications');
    }
  }

  /** How the extension's phones are made to answer by themselves ('none': they are not). */
  private autoAnswerOf(extension: string): SipAutoAnswer {
    return this.options.config.extensions.find((e) => e.number === extension)?.sip?.autoAnswer ?? 'none';
  }

  /** The registered phone behind a device of `dn`, if it is one. */
  private phoneDevice(dn: string, deviceId: string): PhoneDevice | undefined {
    const binding = this.store.all().find((b) => b.extension === dn && b.contact === deviceId);
    return binding ? { extension: binding.extension, contact: binding.contact, source: binding.source } : undefined;
  }

  /** How calls send: through the layer, with our address as this server is bound. */
  private signalling(): CallSignalling {
    const sip = this.options.config.server.sip;
    const configured = this.options.host ?? sip.host;
    const host = configured === '0.0.0.0' || configured === '::' ? sip.rtp.address : configured;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const portOf = (peer: Peer): number => (peer.transport === 'UDP' ? this.bound.udp : peer.transport === 'TCP' ? this.bound.tcp : this.bound.tls) ?? sip.port;
    return {
      layer: this.layer,
      send: (msg, peer) => {
        try {
          this.logMessage('out', msg, peer);
          this.transport?.send(msg, peer);
        } catch (error) {
          this.log.debug({ peer: describePeer(peer), error: (error as Error).message }, 'SIP message not sent');
        }
      },
      via: (peer) => `SIP/2.0/${peer.transport} ${hostPart}:${portOf(peer)}`,
      contact: (peer) => parseNameAddr(`<sip:switchboard@${hostPart}:${portOf(peer)}${peer.transport === 'UDP' ? '' : `;transport=${peer.transport.toLowerCase()}`}>`),
      host: hostPart,
      dialogs: this.dialogs,
      clock: this.options.networkClock,
      timers: DEFAULT_TIMERS,
      log: (message, fields) => this.log.info(fields, message),
    };
  }

  private reply(request: SipRequest, status: number, reason?: string): SipResponse {
    return buildResponse(request, status, { toTag: this.toTag, ...(reason === undefined ? {} : { reason }) });
  }

  private logMessage(direction: 'in' | 'out', msg: SipMessage, peer: Peer): void {
    let callId = '';
    try {
      callId = callIdOf(msg);
    } catch {
      // a message without a readable Call-ID is still logged
    }
    const what = msg.type === 'request' ? msg.method : String(msg.status);
    this.log.debug({ direction, message: what, callId, peer: describePeer(peer) }, `SIP ${direction} ${what}`);
  }
}

function hasToTag(request: SipRequest): boolean {
  return /;\s*tag\s*=/i.test(request.headers.get('To') ?? '');
}

function samePeer(a: Peer, b: Peer): boolean {
  return a.transport === b.transport && a.port === b.port && sipSourceKey(a.host) === sipSourceKey(b.host);
}

/** The number a phone dialled: the Request-URI's user (sip:) or number (tel:). */
function destinationOf(request: SipRequest): string {
  const uri = request.uri;
  if (isSipUri(uri)) return decodePercent(uri.user ?? '');
  return uri.scheme === 'tel' && 'number' in uri ? uri.number : '';
}

function describePeer(peer: Peer): string {
  return `${peer.transport.toLowerCase()}:${peer.host.includes(':') ? `[${peer.host}]` : peer.host}:${peer.port}`;
}
