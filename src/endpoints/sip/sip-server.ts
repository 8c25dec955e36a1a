// The PBX's SIP server: transport, transactions, digest registrar over the PBX's devices, OPTIONS, per-source bans, debug logging and counters.

import type { PbxConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import type { Pbx } from '../../core/pbx.js';
import { FailureLimiter, type FailureLimiterOptions } from '../../guard/failure-limiter.js';
import { canonicalSource } from '../../guard/source-limiter.js';
import { MAX_SIP_BAN_ENTRIES, SIP_AUTH_FAILURE_WINDOW_SECONDS, SIP_MAX_AUTH_FAILURES } from '../../limits.js';
import { buildResponse, randomToken } from '../../sip/builders.js';
import { DigestServer } from '../../sip/digest-server.js';
import { callIdOf, type SipMessage, type SipRequest, type SipResponse } from '../../sip/message.js';
import type { NonInviteClientEvents } from '../../sip/non-invite-client.js';
import { answerOptions, Registrar } from '../../sip/registrar.js';
import type { Peer } from '../../sip/transaction.js';
import { InviteServerTransaction } from '../../sip/invite-server.js';
import { TransactionLayer, type ServerTransaction } from '../../sip/transaction-layer.js';
import { SipTransport, type BoundPorts } from '../../sip/transport.js';
import { checkRequest, type RequestPolicy } from '../../sip/validate.js';
import { BindingRefusedError, PbxBindingStore } from './pbx-bindings.js';

/** Methods answered today; INVITE is refused until calls to and from SIP phones are carried. */
const POLICY: RequestPolicy = { methods: ['REGISTER', 'OPTIONS', 'ACK', 'CANCEL', 'BYE'], extensions: ['path', 'outbound'], bodyTypes: ['application/sdp'] };

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
    });
    const digest = new DigestServer({ realm: sip.realm, clock, algorithms: sip.algorithms });
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
      user: { request: (request, tx, source) => this.request(request, tx, source) },
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

  /** A SIP device was offered a call; such calls are not carried yet. */
  logRefusedOffer(extension: string, deviceId: string): void {
    this.log.info({ extension, device: deviceId }, 'call offered to a SIP phone refused as unreachable: calls to SIP phones are not carried yet');
  }

  private receive(msg: SipMessage, source: Peer): void {
    this.logMessage('in', msg, source);
    if (msg.type === 'request') this.layer.receiveRequest(msg, source);
    else this.layer.receiveResponse(msg, source);
  }

  private request(request: SipRequest, tx: ServerTransaction | undefined, source: Peer): void {
    if (!tx) return; // an ACK for a 2xx: no dialogs are made yet
    this.counters.transactions += 1;
    const response = this.answer(request, source);
    // Challenges go out statelessly (RFC 3261 §26.3.2.4): an unauthenticated request holds no transaction for Timer J.
    if ((response.status === 401 || response.status === 407) && !(tx instanceof InviteServerTransaction)) tx.respondStatelessly(response);
    else tx.respond(response);
  }

  private answer(request: SipRequest, source: Peer): SipResponse {
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
        return answerOptions(request, { allow: POLICY.methods, accept: POLICY.bodyTypes, supported: POLICY.extensions });
      default:
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
    if (credentialsFailed) {
      this.counters.authFailures += 1;
      if (this.ban.recordFailure(sipSourceKey(source.host), false)) {
        this.counters.bans += 1;
        this.log.warn({ source: source.host, banSeconds: this.options.config.server.sip.banSeconds }, 'SIP source banned after repeated failed authentications');
      }
    }
    if (response.status === 200 && this.store.size > before) this.counters.registrations += this.store.size - before;
    return response;
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

function describePeer(peer: Peer): string {
  return `${peer.transport.toLowerCase()}:${peer.host.includes(':') ? `[${peer.host}]` : peer.host}:${peer.port}`;
}
