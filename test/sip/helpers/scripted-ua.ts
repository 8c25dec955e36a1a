// A scripted SIP phone over loopback UDP for call tests: registers with digest, then is told what to answer and what to send.

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { buildResponse } from '../../../src/sip/builders.js';
import { answerChallenge } from '../../../src/sip/digest-client.js';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message.js';
import { parseMessage } from '../../../src/sip/parser.js';
import { serializeMessage } from '../../../src/sip/serializer.js';

/** An SDP body for audio on `port` (nobody listens: these tests are about signalling) with `direction`. */
export function phoneSdp(port: number, direction = 'sendrecv', codecs = '0 101'): string {
  return ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP ${codecs}`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', `a=${direction}`, ''].join('\r\n');
}

export class ScriptedUa {
  /** Every message received, in order. */
  readonly received: SipMessage[] = [];
  private readonly wakers = new Set<() => void>();
  private cseq = 0;
  readonly tag = randomBytes(4).toString('hex');
  readonly contact: string;

  private constructor(private readonly socket: Socket, readonly port: number, private readonly server: number, readonly user: string) {
    this.contact = `sip:${user}@127.0.0.1:${port}`;
    socket.on('message', (data) => {
      this.received.push(parseMessage(data));
      for (const wake of this.wakers) wake();
    });
  }

  static async open(serverPort: number, user: string): Promise<ScriptedUa> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new ScriptedUa(socket, socket.address().port, serverPort, user);
  }

  close(): void {
    this.socket.close();
  }

  /**
   * Acts as a phone left ringing: 180 to a new INVITE, 200 with SDP to a re-INVITE, 200 to CANCEL (then 487 to its
   * INVITE), BYE, NOTIFY and UPDATE. For suites that drive the leg through the core and need the SIP side to keep up.
   */
  autoRespond(rtpPort = 40900): void {
    const pending = new Map<string, SipRequest>();
    this.socket.on('message', () => {
      const msg = this.received.at(-1);
      if (!msg || msg.type !== 'request') return;
      const callId = msg.headers.get('Call-ID') ?? '';
      const inDialog = /;\s*tag=/i.test(msg.headers.get('To') ?? '');
      switch (msg.method) {
        case 'INVITE':
          if (inDialog) this.respond(msg, 200, phoneSdp(rtpPort));
          else {
            pending.set(callId, msg);
            this.respond(msg, 180);
          }
          return;
        case 'CANCEL': {
          this.respond(msg, 200);
          const invite = pending.get(callId);
          pending.delete(callId);
          if (invite) this.respond(invite, 487);
          return;
        }
        case 'BYE':
        case 'NOTIFY':
        case 'UPDATE':
          this.respond(msg, 200);
          return;
        default:
          return;
      }
    });
  }

  /** Resolves with the first received message (from index `from`) that `match` accepts; fails after 5 s. */
  waitFor(match: (msg: SipMessage) => boolean, what: string, from = 0): Promise<SipMessage> {
    return new Promise((resolve, reject) => {
      const look = (): boolean => {
        const found = this.received.slice(from).find(match);
        if (!found) return false;
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve(found);
        return true;
      };
      const wake = (): void => void look();
      const timer = setTimeout(() => {
        this.wakers.delete(wake);
        reject(new Error(`timed out waiting for ${what}; got ${this.received.map((m) => (m.type === 'request' ? m.method : m.status)).join(', ')}`));
      }, 5000);
      this.wakers.add(wake);
      look();
    });
  }

  request(method: string, from = 0): Promise<SipRequest> {
    return this.waitFor((m) => m.type === 'request' && m.method === method, method, from) as Promise<SipRequest>;
  }

  count(match: (msg: SipMessage) => boolean): number {
    return this.received.filter(match).length;
  }

  send(msg: SipMessage): void {
    this.socket.send(serializeMessage(msg), this.server, '127.0.0.1');
  }

  /** Answers `request` with `status` (our tag on To above 100), our Contact, and an SDP body when given. */
  respond(request: SipRequest, status: number, body?: string): SipResponse {
    const response = buildResponse(request, status, { toTag: this.tag });
    response.headers.append('Contact', `<${this.contact}>`);
    if (body !== undefined) {
      response.headers.append('Content-Type', 'application/sdp');
      response.body = Buffer.from(body);
    }
    this.send(response);
    return response;
  }

  /** Sends a request from raw lines (Via, Content-Length and the body are added). */
  sendRaw(startLine: string, headers: string[], body = '', branch = `z9hG4bK${randomBytes(6).toString('hex')}`): string {
    const lines = [startLine, `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`, 'Max-Forwards: 70', ...headers, `Content-Length: ${Buffer.byteLength(body)}`, '', body];
    this.socket.send(Buffer.from(lines.join('\r\n')), this.server, '127.0.0.1');
    return branch;
  }

  /** Waits for the final response of the request sent with `branch`. */
  final(branch: string, from = 0): Promise<SipResponse> {
    return this.waitFor((m) => m.type === 'response' && m.status >= 200 && (m.headers.get('Via') ?? '').includes(branch), `the final response of ${branch}`, from) as Promise<SipResponse>;
  }

  async register(password: string): Promise<void> {
    const send = (auth: string[]): string => {
      this.cseq += 1;
      return this.sendRaw(`REGISTER sip:127.0.0.1:${this.server} SIP/2.0`, [`From: <sip:${this.user}@127.0.0.1>;tag=${this.tag}`, `To: <sip:${this.user}@127.0.0.1>`, `Call-ID: reg-${this.tag}`, `CSeq: ${this.cseq} REGISTER`, `Contact: <${this.contact}>`, 'Expires: 300', 'User-Agent: ScriptedPhone/1.0', ...auth]);
    };
    const mark = this.received.length;
    const challenge = await this.final(send([]), mark);
    const answer = answerChallenge(challenge, 'REGISTER', `sip:127.0.0.1:${this.server}`, { username: this.user, password });
    if (!answer) throw new Error('no usable challenge');
    const final = await this.final(send([`${answer.header}: ${answer.value}`]), mark);
    if (final.status !== 200) throw new Error(`REGISTER answered ${final.status}`);
  }

  /**
   * Places a call to `destination` with `password` for the challenge: resolves with the Call-ID, the CSeq of the
   * authenticated INVITE and its branch once it is sent (the 401 is ACKed by the server transaction's peer: us).
   */
  async call(destination: string, password: string, sdp: string | null): Promise<{ callId: string; branch: string; seq: number; headers: string[] }> {
    const callId = `call-${randomBytes(6).toString('hex')}`;
    const uri = `sip:${destination}@127.0.0.1:${this.server}`;
    const common = [`From: <sip:${this.user}@127.0.0.1>;tag=${this.tag}`, `To: <sip:${destination}@127.0.0.1>`, `Call-ID: ${callId}`, `Contact: <${this.contact}>`, ...(sdp === null ? [] : ['Content-Type: application/sdp'])];
    const mark = this.received.length;
    const first = this.sendRaw(`INVITE ${uri} SIP/2.0`, [...common, 'CSeq: 1 INVITE'], sdp ?? '');
    const challenge = await this.final(first, mark);
    // The ACK of a failure is part of the INVITE's transaction: same branch, To from the response.
    const ackHeaders = [...common.filter((h) => !h.startsWith('Content-Type') && !h.startsWith('Contact')), 'CSeq: 1 ACK'].map((h) => (h.startsWith('To:') ? `To: ${challenge.headers.get('To')}` : h));
    this.sendRaw(`ACK ${uri} SIP/2.0`, ackHeaders, '', first);
    if (challenge.status !== 401) throw new Error(`INVITE answered ${challenge.status} before any challenge`);
    const answer = answerChallenge(challenge, 'INVITE', uri, { username: this.user, password });
    if (!answer) throw new Error('no usable challenge');
    const headers = [...common, 'CSeq: 2 INVITE', `${answer.header}: ${answer.value}`];
    const branch = this.sendRaw(`INVITE ${uri} SIP/2.0`, headers, sdp ?? '');
    return { callId, branch, seq: 2, headers };
  }
}
