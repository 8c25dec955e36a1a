// Registration to a SIP registrar as a client (RFC 3261 §10.2): REGISTER with digest, refresh before expiry, bounded back-off, unregister on stop.

import { newBranch, randomToken } from './builders.js';
import type { SipClock, SipTimerHandle } from './clock.js';
import { answerChallenge } from './digest-client.js';
import { parseAuthHeader } from './digest.js';
import { SipHeaders } from './headers.js';
import { contactsOf, expiresOf, type SipRequest, type SipResponse } from './message.js';
import type { NonInviteClientEvents } from './non-invite-client.js';
import type { Peer } from './transaction.js';
import { formatUri, isSipUri, parseUri, type SipUri } from './uri.js';

export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'failed';

/** What a registration looks like now, for status pages and metrics. */
export interface RegistrationStatus {
  state: RegistrationState;
  /** The status code of the last final response, or null (none yet, or the last attempt got none). */
  lastStatus: number | null;
  /** Why the state is what it is: the last response's reason phrase, or what went wrong without one. */
  lastReason: string | null;
  /** When the registration granted last runs out (PBX clock, ms), while registered. */
  expiresAtMs: number | null;
  /** When the next REGISTER goes out (a refresh or a retry; PBX clock, ms), or null when none is planned. */
  nextAttemptAtMs: number | null;
  /** REGISTERs answered 2xx with a binding (refreshes included). */
  registrations: number;
  /** Attempts that ended without a registration (refusals, wrong credentials, timeouts, transport errors). */
  failures: number;
}

/** Where the provider is now and what this side's address towards it is (for Via and Contact). */
export interface RegistrationRoute {
  peer: Peer;
  local: { host: string; port: number };
}

export interface RegisterClientOptions {
  /** Refresh and back-off timers (the PBX clock, so a manual clock moves them in tests). */
  clock: SipClock;
  /** Starts a client transaction through the transaction layer; throws when it cannot (not running, table full). */
  sendRequest(request: SipRequest, peer: Peer, events: NonInviteClientEvents): void;
  /** Called before each attempt: a host name may move, and a failed look-up is a failed attempt. */
  route(): Promise<RegistrationRoute>;
  /** The registrar's domain (host, or host:port), as in the Request-URI and the address of record. */
  domain: string;
  username: string;
  /** The digest user name. */
  authId: string;
  password: string;
  expiresSeconds: number;
  userAgent?: string;
  /** First and largest pause between failed attempts, in ms (doubling in between). */
  backoff?: { minMs: number; maxMs: number };
  /** Every change of state, for the log (never carries credentials). */
  onChange?(status: RegistrationStatus): void;
}

/** 5 s after the first failure, doubling up to 5 minutes: a provider that is down is not hammered. */
export const REGISTER_BACKOFF_MS = { minMs: 5_000, maxMs: 300_000 } as const;
/** Largest expiry accepted from a 423's Min-Expires, in seconds: a registrar asking for more is refused. */
const MAX_MIN_EXPIRES_SECONDS = 86_400;
/** Challenges answered per attempt: the first, and one more when the provider says the nonce went stale. */
const MAX_CHALLENGES_PER_ATTEMPT = 2;

type Outcome = { kind: 'response'; response: SipResponse; route: RegistrationRoute } | { kind: 'failed'; reason: string };
type Sent = { kind: 'response'; response: SipResponse } | { kind: 'failed'; reason: string };

/**
 * One registration to one registrar. `start` registers and keeps the registration alive (a refresh at half the
 * granted expiry); a failure is retried after a pause that doubles from `backoff.minMs` to `backoff.maxMs` and
 * resets on success; `stop` unregisters (Expires: 0) when a registration was made.
 */
export class RegisterClient {
  private state: RegistrationState = 'unregistered';
  private lastStatus: number | null = null;
  private lastReason: string | null = null;
  private expiresAtMs: number | null = null;
  private nextAttemptAtMs: number | null = null;
  private registrations = 0;
  private failures = 0;
  private consecutiveFailures = 0;
  private timer: SipTimerHandle | undefined;
  /** Bumped by start and stop: the answer to an attempt of an earlier generation is ignored. */
  private generation = 0;
  private running = false;
  private registeredOnce = false;
  private callId = '';
  private fromTag = '';
  private cseq = 0;
  private readonly backoff: { minMs: number; maxMs: number };
  private readonly requestUri: SipUri;

  constructor(private readonly options: RegisterClientOptions) {
    this.backoff = options.backoff ?? REGISTER_BACKOFF_MS;
    const uri = parseUri(`sip:${options.domain}`);
    if (!isSipUri(uri)) throw new RangeError('the registrar domain must make a sip: URI');
    this.requestUri = uri;
  }

  status(): RegistrationStatus {
    return {
      state: this.state,
      lastStatus: this.lastStatus,
      lastReason: this.lastReason,
      expiresAtMs: this.state === 'registered' ? this.expiresAtMs : null,
      nextAttemptAtMs: this.nextAttemptAtMs,
      registrations: this.registrations,
      failures: this.failures,
    };
  }

  /** Registers now, and keeps registering until stop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation += 1;
    this.callId = randomToken(12);
    this.fromTag = randomToken(6);
    this.registeredOnce = false;
    void this.attempt(this.generation);
  }

  /** Stops refreshing and retrying; unregisters when a registration was made in this run. Resolves when the provider answered or the unregister failed. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation += 1;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.nextAttemptAtMs = null;
    const unregister = this.registeredOnce;
    this.expiresAtMs = null;
    this.change('unregistered', this.lastStatus, unregister ? 'unregistering' : 'stopped');
    if (!unregister) return;
    const outcome = await this.exchange(0);
    this.lastReason = outcome.kind === 'response' ? `unregistered (${outcome.response.status} ${outcome.response.reason})` : `unregister failed: ${outcome.reason}`;
    if (outcome.kind === 'response') this.lastStatus = outcome.response.status;
    this.options.onChange?.(this.status());
  }

  private async attempt(generation: number): Promise<void> {
    this.timer = undefined;
    this.nextAttemptAtMs = null;
    this.change('registering', this.lastStatus, this.lastReason);
    const outcome = await this.exchange(this.options.expiresSeconds, generation);
    if (generation !== this.generation) return; // stopped (or restarted) meanwhile
    if (outcome.kind === 'failed') return this.failed(null, outcome.reason);
    const { response } = outcome;
    if (response.status < 200 || response.status >= 300) return this.failed(response.status, response.reason);
    const granted = this.grantedSeconds(response, outcome.route);
    if (granted === 0) return this.failed(response.status, 'the registrar kept no binding (expires 0)');
    this.registrations += 1;
    this.registeredOnce = true;
    this.consecutiveFailures = 0;
    const now = this.options.clock.now();
    this.expiresAtMs = now + granted * 1000;
    // Half the grant: time enough for retransmissions and a challenge before the binding runs out.
    this.schedule(generation, Math.max(1_000, (granted * 1000) / 2));
    this.change('registered', response.status, response.reason);
  }

  private failed(status: number | null, reason: string): void {
    this.failures += 1;
    this.consecutiveFailures += 1;
    this.expiresAtMs = null;
    const pause = Math.min(this.backoff.maxMs, this.backoff.minMs * 2 ** Math.min(this.consecutiveFailures - 1, 30));
    this.schedule(this.generation, pause);
    this.change('failed', status, reason);
  }

  private schedule(generation: number, delayMs: number): void {
    this.nextAttemptAtMs = this.options.clock.now() + delayMs;
    this.timer = this.options.clock.setTimeout(() => {
      if (generation === this.generation) void this.attempt(generation);
    }, delayMs);
  }

  private change(state: RegistrationState, status: number | null, reason: string | null): void {
    this.state = state;
    this.lastStatus = status;
    this.lastReason = reason;
    this.options.onChange?.(this.status());
  }

  /**
   * One REGISTER exchange with `expires`: answers digest challenges (a stale nonce once more) and a 423 with the
   * Min-Expires asked for, then resolves with the final response or why there was none. Abandoned when the
   * generation changes (a stop), except for the unregister itself (generation undefined).
   */
  private async exchange(expires: number, generation?: number): Promise<Outcome> {
    let route: RegistrationRoute;
    try {
      route = await this.options.route();
    } catch (error) {
      return { kind: 'failed', reason: `cannot reach the registrar: ${(error as Error).message}` };
    }
    let authorization: [string, string] | undefined;
    let challenges = 0;
    for (;;) {
      if (generation !== undefined && generation !== this.generation) return { kind: 'failed', reason: 'stopped' };
      const sent = await this.send(this.buildRegister(route, expires, authorization), route.peer);
      if (sent.kind === 'failed') return sent;
      const { response } = sent;
      if (response.status === 401 || response.status === 407) {
        const stale = this.isStale(response);
        if (challenges >= MAX_CHALLENGES_PER_ATTEMPT || (challenges > 0 && !stale)) return { kind: 'response', response, route };
        const answer = answerChallenge(response, 'REGISTER', formatUri(this.requestUri), { username: this.options.authId, password: this.options.password });
        if (!answer) return { kind: 'failed', reason: `${response.status} with no digest challenge this client can answer` };
        authorization = [answer.header, answer.value];
        challenges += 1;
        continue;
      }
      if (response.status === 423 && expires > 0) {
        const min = Number(response.headers.get('Min-Expires')?.trim());
        if (!Number.isInteger(min) || min <= expires || min > MAX_MIN_EXPIRES_SECONDS) return { kind: 'response', response, route };
        expires = min;
        continue;
      }
      return { kind: 'response', response, route };
    }
  }

  private isStale(response: SipResponse): boolean {
    const name = response.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    return response.headers.getAll(name).some((value) => {
      try {
        return parseAuthHeader(value).params.get('stale')?.toLowerCase() === 'true';
      } catch {
        return false;
      }
    });
  }

  private send(request: SipRequest, peer: Peer): Promise<Sent> {
    return new Promise((resolve) => {
      try {
        this.options.sendRequest(request, peer, {
          response: (response) => {
            if (response.status >= 200) resolve({ kind: 'response', response });
          },
          failed: (reason, error) => resolve({ kind: 'failed', reason: reason === 'timeout' ? 'no answer (timeout)' : `transport error${error instanceof Error ? `: ${error.message}` : ''}` }),
        });
      } catch (error) {
        resolve({ kind: 'failed', reason: `cannot send: ${(error as Error).message}` });
      }
    });
  }

  private buildRegister(route: RegistrationRoute, expires: number, authorization: [string, string] | undefined): SipRequest {
    const { peer, local } = route;
    const aor = `sip:${this.options.username}@${this.options.domain}`;
    const transport = peer.transport === 'UDP' ? '' : `;transport=${peer.transport.toLowerCase()}`;
    const localHost = local.host.includes(':') ? `[${local.host}]` : local.host;
    this.cseq += 1;
    const headers = new SipHeaders()
      .append('Via', `SIP/2.0/${peer.transport} ${localHost}:${local.port};branch=${newBranch()};rport`)
      .append('Max-Forwards', '70')
      .append('From', `<${aor}>;tag=${this.fromTag}`)
      .append('To', `<${aor}>`)
      .append('Call-ID', this.callId)
      .append('CSeq', `${this.cseq} REGISTER`)
      .append('Contact', `<sip:${this.options.username}@${localHost}:${local.port}${transport}>`)
      .append('Expires', String(expires));
    if (authorization) headers.append(authorization[0], authorization[1]);
    if (this.options.userAgent) headers.append('User-Agent', this.options.userAgent);
    return { type: 'request', method: 'REGISTER', uri: this.requestUri, headers, body: Buffer.alloc(0) };
  }

  /** The expiry granted to this side's contact: its `expires` parameter in the 200, else the Expires header, else what was asked. */
  private grantedSeconds(response: SipResponse, route: RegistrationRoute): number {
    let contacts: ReturnType<typeof contactsOf>;
    try {
      contacts = contactsOf(response);
    } catch {
      contacts = [];
    }
    // The registrar lists every contact of the address of record; this side's is the one at its own address.
    const host = route.local.host.toLowerCase().replace(/^\[|\]$/g, '');
    const mine = contacts === '*' ? undefined : contacts.find((c) => isSipUri(c.uri) && c.uri.user === this.options.username && c.uri.host.toLowerCase().replace(/^\[|\]$/g, '') === host && c.uri.port === route.local.port);
    const param = Number(mine?.params.get('expires') ?? NaN);
    if (Number.isInteger(param) && param >= 0) return param;
    try {
      return expiresOf(response) ?? this.options.expiresSeconds;
    } catch {
      return this.options.expiresSeconds;
    }
  }
}
