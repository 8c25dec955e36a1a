// A SIP provider's registrar for tests, in process on loopback UDP: challenges REGISTER with digest, grants an expiry, can go away and come back on its port.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { buildResponse } from '../../../src/sip/builders.js';
import type { SipClock } from '../../../src/sip/clock.js';
import type { DigestAlgorithm } from '../../../src/sip/digest.js';
import { DigestServer } from '../../../src/sip/digest-server.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message.js';
import { parseMessage } from '../../../src/sip/parser.js';
import { serializeMessage } from '../../../src/sip/serializer.js';

export interface FakeProviderOptions {
  clock: SipClock;
  /** The digest user name and password it accepts. */
  authId: string;
  password: string;
  realm?: string;
  algorithms?: DigestAlgorithm[];
  /** The expiry it grants (as the contact's expires parameter of its 200). */
  grantSeconds?: number;
}

/** What the provider saw: each REGISTER, with where it came from. */
export interface SeenRequest {
  request: SipRequest;
  source: RemoteInfo;
}

export class FakeProvider {
  readonly seen: SeenRequest[] = [];
  /** Answers to force instead of the registrar's (consumed in order), for refusals and 423. */
  readonly scripted: Array<(request: SipRequest) => SipResponse> = [];
  private socket: Socket | undefined;
  private readonly digest: DigestServer;
  port = 0;

  constructor(private readonly options: FakeProviderOptions) {
    this.digest = new DigestServer({ realm: options.realm ?? 'provider.test', clock: options.clock, algorithms: options.algorithms ?? ['MD5', 'SHA-256'] });
  }

  /** Listens on 127.0.0.1 (on `port` when given: the same port again after a restart). */
  async start(port = this.port): Promise<void> {
    const socket = createSocket('udp4');
    socket.on('message', (data, source) => this.receive(socket, data, source));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolve());
    });
    this.socket = socket;
    this.port = socket.address().port;
  }

  /** Goes away: nothing listens on its port until start again. */
  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  get registers(): SipRequest[] {
    return this.seen.map((s) => s.request).filter((r) => r.method === 'REGISTER');
  }

  private receive(socket: Socket, data: Buffer, source: RemoteInfo): void {
    const msg = parseMessage(data);
    if (msg.type !== 'request') return;
    this.seen.push({ request: msg, source });
    const response = this.scripted.shift()?.(msg) ?? this.answer(msg);
    socket.send(serializeMessage(response), source.port, source.address);
  }

  private answer(request: SipRequest): SipResponse {
    if (request.method !== 'REGISTER') return buildResponse(request, 405, { toTag: 'provider' });
    const verdict = this.digest.verify('REGISTER', request.headers.get('Authorization'), (user) => (user === this.options.authId ? this.options.password : undefined));
    if (!verdict.ok) {
      const challenge = buildResponse(request, 401, { toTag: 'provider' });
      for (const value of this.digest.challenge(verdict.stale)) challenge.headers.append('WWW-Authenticate', value);
      return challenge;
    }
    const ok = buildResponse(request, 200, { toTag: 'provider' });
    const expires = request.headers.get('Expires')?.trim() === '0' ? 0 : (this.options.grantSeconds ?? 120);
    const contact = request.headers.get('Contact');
    if (contact !== undefined && expires > 0) ok.headers.append('Contact', `${contact};expires=${expires}`);
    return ok;
  }
}
