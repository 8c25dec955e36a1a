// Calls a registered SIP phone places (a scripted UA on loopback UDP): the digest challenge, 100/180/200 as the destination
// rings and answers, ACK and BYE, CANCEL (487), 404 for unknown numbers, 403 from no registered phone, 488 for SDP we cannot answer.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SipResponse } from '../../src/sip/message.js';
import { SIP_TEST_PASSWORD, startSipPbx, type SipPbx } from './helpers/sip-pbx.js';
import { phoneSdp, ScriptedUa } from './helpers/scripted-ua.js';
import { until } from './helpers/until.js';

describe('calls from a SIP phone', () => {
  let pbx: SipPbx;
  let phone: ScriptedUa;
  before(async () => {
    pbx = await startSipPbx({ configure: (config) => (config.server.sip.rtp = { address: '127.0.0.1', portMin: 31000, portMax: 31009 }) });
    phone = await ScriptedUa.open(pbx.sipPort, '102');
    await phone.register(SIP_TEST_PASSWORD);
  });
  after(async () => {
    phone?.close();
    await pbx?.close();
  });

  const core = () => pbx.server.pbx;
  const sip = () => pbx.server.sip!.server;
  const statuses = (from: number, callId: string) => phone.received.slice(from).filter((m): m is SipResponse => m.type === 'response' && m.headers.get('Call-ID') === callId).map((m) => m.status);
  const settled = async () => {
    await until(() => core().listParticipants('102').length === 0, 'the phone\'s participant to leave');
    await until(() => sip().liveDialogs === 0 && sip().phones.liveCalls === 0 && sip().rtpPortsInUse === 0, 'no dialog, call or RTP port left');
  };
  const ack = (ok: SipResponse, callId: string, seq: number) => {
    const target = (ok.headers.get('Contact') ?? '').replace(/^<|>$/g, '');
    phone.sendRaw(`ACK ${target} SIP/2.0`, [`From: <sip:102@127.0.0.1>;tag=${phone.tag}`, `To: ${ok.headers.get('To')}`, `Call-ID: ${callId}`, `CSeq: ${seq} ACK`]);
  };
  const bye = (ok: SipResponse, callId: string, seq: number): string => {
    const target = (ok.headers.get('Contact') ?? '').replace(/^<|>$/g, '');
    return phone.sendRaw(`BYE ${target} SIP/2.0`, [`From: <sip:102@127.0.0.1>;tag=${phone.tag}`, `To: ${ok.headers.get('To')}`, `Call-ID: ${callId}`, `CSeq: ${seq} BYE`]);
  };

  test('a call to the route point is challenged, then Trying and 200 with an SDP answer from the configured RTP range; ACK, then BYE ends it', async () => {
    const mark = phone.received.length;
    const { callId, branch } = await phone.call('800', SIP_TEST_PASSWORD, phoneSdp(40010));
    const ok = await phone.final(branch, mark);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('Content-Type'), 'application/sdp');
    const port = Number(/m=audio (\d+) RTP\/AVP 0 101/.exec(ok.body.toString())?.[1]);
    assert.ok(port >= 31000 && port <= 31009, `RTP port ${port} from the configured range`);
    assert.match(ok.headers.get('Contact') ?? '', /^<sip:switchboard@127\.0\.0\.1:\d+>$/);
    assert.deepEqual(statuses(mark, callId), [100, 401, 100, 180, 200], "Trying at once, the challenge, Trying, the route point ringing before it answers");
    ack(ok, callId, 2);
    const [leg] = core().listParticipants('102');
    assert.equal(leg?.status, 'Connected');
    assert.equal(leg?.deviceId, phone.contact);
    assert.equal(core().listParticipants('800')[0]?.status, 'Connected');
    assert.equal(sip().rtpSessions()[0]?.participantId, leg?.id);
    const done = bye(ok, callId, 3);
    assert.equal((await phone.final(done, mark)).status, 200);
    await settled();
    assert.equal(core().listParticipants('800').length, 0);
  });

  test('a 200 not ACKed is sent again until the ACK comes', async () => {
    const mark = phone.received.length;
    const { callId, branch } = await phone.call('800', SIP_TEST_PASSWORD, phoneSdp(40012));
    const ok = await phone.final(branch, mark);
    await until(() => statuses(mark, callId).filter((s) => s === 200).length >= 2, 'a retransmitted 200');
    ack(ok, callId, 2);
    assert.equal((await phone.final(bye(ok, callId, 3), mark)).status, 200);
    await settled();
  });

  test('a destination that rings gives 180; CANCEL withdraws the call with 487', async () => {
    const mark = phone.received.length;
    const { callId, branch, headers } = await phone.call('103', SIP_TEST_PASSWORD, phoneSdp(40014));
    await until(() => statuses(mark, callId).includes(180), '180 Ringing');
    assert.equal(core().listParticipants('103')[0]?.status, 'Ringing');
    const cancelHeaders = headers.filter((h) => !/^(Content-Type|Contact|Authorization|CSeq)/.test(h)).concat('CSeq: 2 CANCEL');
    const cancel = phone.sendRaw(`INVITE sip:103@127.0.0.1:${pbx.sipPort} SIP/2.0`.replace('INVITE', 'CANCEL'), cancelHeaders, '', branch);
    assert.equal((await phone.final(cancel, mark)).status, 200);
    await until(() => statuses(mark, callId).includes(487), '487 for the INVITE');
    const terminated = phone.received.slice(mark).find((m): m is SipResponse => m.type === 'response' && m.status === 487)!;
    const ackHeaders = cancelHeaders.filter((h) => !/^(To|CSeq)/.test(h)).concat(`To: ${terminated.headers.get('To')}`, 'CSeq: 2 ACK');
    phone.sendRaw(`ACK sip:103@127.0.0.1:${pbx.sipPort} SIP/2.0`, ackHeaders, '', branch);
    await settled();
    assert.equal(core().listParticipants('103').length, 0);
  });

  test('an unknown number is 404; no SDP, or no codec in common, is 488', async () => {
    for (const [destination, sdp, status] of [['nobody', phoneSdp(40016), 404], ['800', null, 488], ['800', phoneSdp(40018, 'sendrecv', '18'), 488]] as const) {
      const mark = phone.received.length;
      const { branch } = await phone.call(destination, SIP_TEST_PASSWORD, sdp);
      assert.equal((await phone.final(branch, mark)).status, status, `${destination} with ${sdp === null ? 'no SDP' : 'SDP'}`);
    }
    await settled();
  });

  test('right credentials from a UA that is no registered phone of that user are refused 403; a wrong password is challenged again and counted', async () => {
    const stranger = await ScriptedUa.open(pbx.sipPort, '102');
    try {
      const { branch } = await stranger.call('800', SIP_TEST_PASSWORD, phoneSdp(40020));
      assert.equal((await stranger.final(branch)).status, 403);
      const failures = sip().counters.authFailures;
      const wrong = await stranger.call('800', 'not-the-password', phoneSdp(40022));
      assert.equal((await stranger.final(wrong.branch)).status, 401);
      assert.equal(sip().counters.authFailures, failures + 1);
      // No enumeration: an unknown user is challenged exactly like a known one.
      const ghost = await ScriptedUa.open(pbx.sipPort, '999');
      try {
        const known = await stranger.call('800', 'wrong-again', phoneSdp(40024));
        const unknown = await ghost.call('800', 'wrong-again', phoneSdp(40026));
        const shape = (r: SipResponse) => `${r.status} ${r.headers.getAll('WWW-Authenticate').map((v) => v.replace(/nonce="[^"]*"/, '')).join('|')}`;
        assert.equal(shape(await ghost.final(unknown.branch)), shape(await stranger.final(known.branch)));
      } finally {
        ghost.close();
      }
    } finally {
      stranger.close();
    }
    await settled();
  });
});

describe('a hold that comes before the ACK', () => {
  test('the hold re-INVITE waits for the ACK of our 200 (no second INVITE while one is in progress)', async () => {
    const pbx = await startSipPbx();
    const phone = await ScriptedUa.open(pbx.sipPort, '102');
    try {
      await phone.register(SIP_TEST_PASSWORD);
      const core = pbx.server.pbx;
      core.setAutoAnswer('800', false);
      const { callId, branch } = await phone.call('800', SIP_TEST_PASSWORD, phoneSdp(40600));
      await until(() => core.listParticipants('800').length === 1, 'the route point to ring');
      const routePoint = core.listParticipants('800')[0]!;
      // Answered and at once transferred: the phone's leg is held before its ACK can have come.
      core.answer('800', routePoint.id);
      core.transferTo('800', routePoint.id, { destination: '103' });
      const ok = await phone.final(branch);
      assert.equal(ok.status, 200);
      const before = phone.received.length;
      await until(() => phone.received.slice(before).some((m) => m.type === 'response' && m.status === 200), 'our 200 sent again while no ACK came');
      assert.equal(phone.received.slice(before).filter((m) => m.type === 'request' && m.method === 'INVITE').length, 0, 'no re-INVITE before the ACK');
      const target = (ok.headers.get('Contact') ?? '').replace(/^<|>$/g, '');
      phone.sendRaw(`ACK ${target} SIP/2.0`, [`From: <sip:102@127.0.0.1>;tag=${phone.tag}`, `To: ${ok.headers.get('To')}`, `Call-ID: ${callId}`, 'CSeq: 2 ACK']);
      const reinvite = await phone.request('INVITE', before);
      assert.match(reinvite.body.toString(), /a=sendonly/);
      phone.respond(reinvite, 200, phoneSdp(40600, 'recvonly'));
      core.endAllCalls();
      phone.respond(await phone.request('BYE', before), 200);
    } finally {
      phone.close();
      await pbx.close();
    }
  });
});
