// SIP over TLS in the whole server: server.sip.tls on its own port with the API's self-signed certificate; a REGISTER
// from a node:tls client that trusts only that certificate is challenged, then registered, and the phone is a device.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { answerChallenge } from '../../src/sip/digest-client.js';
import { StreamFramer } from '../../src/sip/framer.js';
import type { SipResponse } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { SIP_TEST_PASSWORD, startSipPbx, type SipPbx } from './helpers/sip-pbx.js';

const WAIT_MS = 5_000;

/** One TLS connection to the server, reading responses off the stream in order. */
class TlsPhone {
  private readonly framer = new StreamFramer();
  private readonly responses: SipResponse[] = [];
  private wake: (() => void) | undefined;
  private cseq = 0;

  constructor(readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.framer.push(chunk)) {
        if (event.kind !== 'message') continue;
        const msg = parseMessage(event.bytes, { stream: true });
        if (msg.type === 'response' && msg.status >= 200) this.responses.push(msg);
      }
      this.wake?.();
    });
  }

  /** Sends a REGISTER for 100 over the connection and resolves with its final response; fails after WAIT_MS. */
  async register(port: number, extra: string[] = []): Promise<SipResponse> {
    this.cseq += 1;
    const local = `127.0.0.1:${this.socket.localPort}`;
    const lines = [
      `REGISTER sips:127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/TLS ${local};branch=z9hG4bK-tls-${this.cseq};rport`,
      'From: <sips:100@127.0.0.1>;tag=tls-phone',
      'To: <sips:100@127.0.0.1>',
      'Call-ID: tls-register-1',
      `CSeq: ${this.cseq} REGISTER`,
      `Contact: <sips:100@${local};transport=tls>`,
      'Expires: 300',
      'Max-Forwards: 70',
      'User-Agent: TlsPhone/1.0',
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ];
    this.socket.write(lines.join('\r\n'));
    if (this.responses.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer to REGISTER over TLS')), WAIT_MS);
        this.wake = () => {
          if (this.responses.length === 0) return;
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
    return this.responses.shift()!;
  }
}

describe('SIP over TLS', () => {
  let pbx: SipPbx;
  before(async () => {
    pbx = await startSipPbx({ configure: (config) => (config.server.sip.tls = { enabled: true, port: 0 }) });
  });
  after(async () => {
    await pbx.close();
  });

  test('the server listens for TLS beside UDP and TCP and names the self-signed certificate to trust', () => {
    const sip = pbx.server.sip!;
    assert.ok(sip.tlsPort !== null && sip.tlsPort > 0);
    assert.notEqual(sip.tlsPort, sip.tcpPort);
    assert.match(readFileSync(sip.tlsCaFile!, 'utf8'), /BEGIN CERTIFICATE/);
  });

  test('a REGISTER over TLS, verified against the server CA, is challenged and then registered as a device of 100', async () => {
    const sip = pbx.server.sip!;
    const socket = connect({ host: '127.0.0.1', port: sip.tlsPort!, ca: readFileSync(sip.tlsCaFile!) });
    socket.on('error', () => {});
    try {
      await once(socket, 'secureConnect');
      assert.equal(socket.authorized, true, 'the certificate verifies against the server CA');
      const phone = new TlsPhone(socket);
      const challenge = await phone.register(sip.tlsPort!);
      assert.equal(challenge.status, 401);
      const auth = answerChallenge(challenge, 'REGISTER', `sips:127.0.0.1:${sip.tlsPort}`, { username: '100', password: SIP_TEST_PASSWORD });
      assert.ok(auth, 'a usable challenge');
      const final = await phone.register(sip.tlsPort!, [`${auth.header}: ${auth.value}`]);
      assert.equal(final.status, 200);
      const contact = `sips:100@127.0.0.1:${socket.localPort};transport=tls`;
      assert.ok(final.headers.getAll('Contact').some((c) => c.includes(contact)));
      const registration = pbx.server.sip!.server.registrations().find((r) => r.contact === contact);
      assert.equal(registration?.source, `tls:127.0.0.1:${socket.localPort}`);
      const devices = await pbx.get('/callcontrol/100/devices');
      assert.ok((devices.body as Array<{ device_id: string; user_agent: string }>).some((d) => d.device_id === contact && d.user_agent === 'TlsPhone/1.0'));
    } finally {
      socket.destroy();
    }
  });
});
