// A minimal SIP user agent over UDP for tests: sends REGISTER/OPTIONS from a chosen loopback address and answers digest challenges.

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { answerChallenge } from '../../../src/sip/digest-client.js';
import type { SipResponse } from '../../../src/sip/message.js';
import { parseMessage } from '../../../src/sip/parser.js';

export class UdpSipClient {
  private cseq = 0;
  private readonly callId = randomBytes(8).toString('hex');
  private readonly tag = randomBytes(4).toString('hex');

  private constructor(
    private readonly socket: Socket,
    readonly host: string,
    readonly port: number,
    private readonly server: number,
  ) {}

  static async open(serverPort: number, host = '127.0.0.1'): Promise<UdpSipClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => resolve());
    });
    return new UdpSipClient(socket, host, socket.address().port, serverPort);
  }

  close(): void {
    this.socket.close();
  }

  /** Sends one request and resolves with its final response (provisional ones skipped); fails after 5 s. */
  async request(method: string, user: string, headers: string[] = []): Promise<SipResponse> {
    this.cseq += 1;
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    const target = `sip:127.0.0.1:${this.server}`;
    const lines = [
      `${method} ${method === 'REGISTER' ? target : `sip:${user}@127.0.0.1:${this.server}`} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.host}:${this.port};branch=${branch};rport`,
      `From: <sip:${user}@127.0.0.1>;tag=${this.tag}`,
      `To: <sip:${user}@127.0.0.1>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${this.cseq} ${method}`,
      `Contact: <sip:${user}@${this.host}:${this.port}>`,
      'Max-Forwards: 70',
      'User-Agent: TestPhone/1.0',
      ...headers,
      'Content-Length: 0',
      '',
      '',
    ];
    const answer = new Promise<SipResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.off('message', onMessage);
        reject(new Error(`no answer to ${method} within 5 s`));
      }, 5000);
      const onMessage = (data: Buffer) => {
        const msg = parseMessage(data);
        if (msg.type !== 'response' || msg.status < 200 || !msg.headers.get('Via')?.includes(branch)) return;
        clearTimeout(timer);
        this.socket.off('message', onMessage);
        resolve(msg);
      };
      this.socket.on('message', onMessage);
    });
    this.socket.send(Buffer.from(lines.join('\r\n')), this.server, '127.0.0.1');
    return answer;
  }

  /** REGISTER, and when challenged, REGISTER again with credentials: the final response. */
  async register(user: string, password: string, expires = 300): Promise<{ challenge: SipResponse; final: SipResponse }> {
    const challenge = await this.request('REGISTER', user, [`Expires: ${expires}`]);
    if (challenge.status !== 401) return { challenge, final: challenge };
    const auth = answerChallenge(challenge, 'REGISTER', `sip:127.0.0.1:${this.server}`, { username: user, password });
    if (!auth) throw new Error('no usable challenge');
    const final = await this.request('REGISTER', user, [`Expires: ${expires}`, `${auth.header}: ${auth.value}`]);
    return { challenge, final };
  }
}

/** A response with everything that is random per answer (tags, nonces, Date) blanked: what may differ between users. */
export function shapeOf(response: SipResponse): string {
  const headers = ['WWW-Authenticate', 'Contact', 'Allow', 'Accept', 'Supported', 'Min-Expires'].flatMap((name) => response.headers.getAll(name).map((v) => `${name}: ${v.replace(/nonce="[^"]*"/, 'nonce=""')}`));
  return [`${response.status} ${response.reason}`, ...headers].join('\n');
}
