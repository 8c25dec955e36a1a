// The SIP port of the whole server under bad input, and its log: malformed messages never crash it nor leak details,
// each SIP message is one debug line, an offer to a SIP phone is logged as its INVITE, and no password is ever logged.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { SIP_TEST_PASSWORD, startSipPbx } from './helpers/sip-pbx.js';
import { UdpSipClient } from './helpers/udp-client.js';
import { until } from './helpers/until.js';

function sendUdp(port: number, bytes: Buffer): Promise<Buffer | undefined> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    // A dropped datagram has no answer: wait a bounded while for one, then report none.
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, 1000);
    socket.on('message', (data) => {
      clearTimeout(timer);
      socket.close();
      resolve(data);
    });
    socket.send(bytes, port, '127.0.0.1');
  });
}

describe('the SIP port under bad input', () => {
  test('garbage, unreadable and oversized messages over UDP and TCP are refused without detail, and the server keeps answering', async () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(...String(chunk).split('\n').filter(Boolean)), done()) });
    const pbx = await startSipPbx({ log: { level: 'debug', destination } });
    try {
      assert.equal(await sendUdp(pbx.sipPort, Buffer.from([0xff, 0x00, 0x13, 0x37])), undefined, 'binary garbage is dropped');
      const badRequest = 'REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKbad\r\nFrom: <sip:1@x>;tag=1\r\nTo: <sip:1@x>\r\nCall-ID: bad\r\nCSeq: notanumber REGISTER\r\nContent-Length: 0\r\n\r\n';
      const answer = await sendUdp(pbx.sipPort, Buffer.from(badRequest));
      assert.ok(answer, 'a readable request with a bad CSeq is answered');
      assert.match(answer.toString(), /^SIP\/2\.0 400 Bad Request\r\n/);
      assert.doesNotMatch(answer.toString(), /at |Error|\.ts/);
      const huge = `OPTIONS sip:127.0.0.1 SIP/2.0\r\nX-Fill: ${'a'.repeat(20_000)}\r\n\r\n`;
      await sendUdp(pbx.sipPort, Buffer.from(huge));
      await new Promise<void>((resolve) => {
        const socket = connect(pbx.sipPort, '127.0.0.1', () => socket.end('NOT SIP AT ALL\r\nContent-Length: banana\r\n\r\n'));
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
        socket.resume();
      });
      const phone = await UdpSipClient.open(pbx.sipPort);
      try {
        assert.equal((await phone.request('OPTIONS', '100')).status, 200, 'still answering');
      } finally {
        phone.close();
      }
      assert.ok(lines.some((line) => line.includes('SIP message refused')), 'refusals are logged at debug');
    } finally {
      await pbx.close();
    }
  });

  test('each SIP message is one debug line (direction, method or status, Call-ID, peer); the INVITE of an offer to a SIP phone is logged; passwords never', async () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(...String(chunk).split('\n').filter(Boolean)), done()) });
    const pbx = await startSipPbx({ log: { level: 'debug', destination } });
    const phone = await UdpSipClient.open(pbx.sipPort);
    try {
      assert.equal((await phone.register('102', SIP_TEST_PASSWORD)).final.status, 200);
      const sip = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => typeof entry['msg'] === 'string' && /^SIP (in|out) /.test(entry['msg'] as string));
      assert.deepEqual(
        sip.map((e) => [e['msg'], e['direction'], e['message'], e['peer']]),
        [
          ['SIP in REGISTER', 'in', 'REGISTER', `udp:127.0.0.1:${phone.port}`],
          ['SIP out 401', 'out', '401', `udp:127.0.0.1:${phone.port}`],
          ['SIP in REGISTER', 'in', 'REGISTER', `udp:127.0.0.1:${phone.port}`],
          ['SIP out 200', 'out', '200', `udp:127.0.0.1:${phone.port}`],
        ],
      );
      assert.equal(new Set(sip.map((e) => e['callId'])).size, 1);
      const placed = await fetch(`${pbx.server.url}/sim/calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pbx.server.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from: '+15557777', to: '102' }),
      });
      assert.equal(placed.status, 201);
      await until(() => lines.some((line) => line.includes('SIP out INVITE') && line.includes(`udp:127.0.0.1:${phone.port}`)), 'the INVITE to the phone in the log');
      pbx.server.pbx.endAllCalls();
      assert.ok(!lines.some((line) => line.includes(SIP_TEST_PASSWORD)), 'the password is in no log line');
    } finally {
      phone.close();
      await pbx.close();
    }
  });
});
