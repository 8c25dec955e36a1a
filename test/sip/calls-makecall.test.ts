// makecall from a SIP phone's device (PROTOCOL.md §4): without auto-answer the phone is rung first and `answer` is 422
// NotSupported; with autoAnswer it has direct control, gets an INVITE with its auto-answer headers, and `answer` on a
// ringing leg sends NOTIFY Event: talk, the leg connecting when the phone's 200 arrives.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreError, ErrorCodes } from '../../src/core/errors.js';
import type { SipRequest } from '../../src/sip/message.js';
import { SIP_TEST_PASSWORD, startSipPbx, type SipPbx } from './helpers/sip-pbx.js';
import { phoneSdp, ScriptedUa } from './helpers/scripted-ua.js';
import { until } from './helpers/until.js';

describe('makecall from a SIP phone', () => {
  let pbx: SipPbx;
  let plain: ScriptedUa;
  let callInfo: ScriptedUa;
  let answerMode: ScriptedUa;
  before(async () => {
    pbx = await startSipPbx({
      configure: (config) => {
        const sipOf = (n: string) => config.extensions.find((e) => e.number === n)!.sip!;
        sipOf('101').autoAnswer = 'call-info';
        sipOf('103').autoAnswer = 'answer-mode';
      },
    });
    plain = await ScriptedUa.open(pbx.sipPort, '102');
    callInfo = await ScriptedUa.open(pbx.sipPort, '101');
    answerMode = await ScriptedUa.open(pbx.sipPort, '103');
    for (const ua of [plain, callInfo, answerMode]) await ua.register(SIP_TEST_PASSWORD);
  });
  after(async () => {
    for (const ua of [plain, callInfo, answerMode]) ua?.close();
    await pbx?.close();
  });

  const core = () => pbx.server.pbx;
  const sip = () => pbx.server.sip!.server;
  const clean = async () => {
    core().endAllCalls();
    await until(() => sip().liveDialogs === 0 && sip().phones.liveCalls === 0 && sip().rtpPortsInUse === 0, 'no dialog, call or RTP port left');
  };
  const byeAnswered = (ua: ScriptedUa, from: number) => ua.request('BYE', from).then((bye) => ua.respond(bye, 200));

  test('without auto-answer the phone rings first (no auto-answer header, direct_control false); answer is NotSupported; picking up dials', async () => {
    const mark = plain.received.length;
    const operation = core().makeCall({ dn: '102', deviceId: plain.contact, destination: '800' });
    assert.equal(operation.participant?.status, 'Ringing');
    assert.equal(operation.participant?.directControl, false);
    const invite = await plain.request('INVITE', mark);
    assert.equal(invite.headers.get('Call-Info'), undefined);
    assert.equal(invite.headers.get('Answer-Mode'), undefined);
    assert.throws(() => core().answer('102', operation.participant!.id), (e: unknown) => e instanceof CoreError && e.code === ErrorCodes.NOT_SUPPORTED);
    plain.respond(invite, 200, phoneSdp(40300));
    await plain.request('ACK', mark);
    await until(() => core().listParticipants('800')[0]?.status === 'Connected', 'the route point to answer the dialled call');
    assert.equal(core().listParticipants('102')[0]?.status, 'Connected');
    const bye = byeAnswered(plain, mark);
    await clean();
    await bye;
  });

  test('with call-info the device has direct control: the makecall INVITE carries Call-Info answer-after=0 and the leg is Dialing', async () => {
    const device = core().listDevices('101').find((d) => d.deviceId === callInfo.contact);
    assert.ok(device);
    const mark = callInfo.received.length;
    const operation = core().makeCall({ dn: '101', deviceId: callInfo.contact, destination: '800' });
    assert.equal(operation.participant?.status, 'Dialing');
    assert.equal(operation.participant?.directControl, true);
    const invite = await callInfo.request('INVITE', mark);
    assert.match(invite.headers.get('Call-Info') ?? '', /^<sip:127\.0\.0\.1>;answer-after=0$/);
    callInfo.respond(invite, 200, phoneSdp(40302));
    await callInfo.request('ACK', mark);
    await until(() => core().listParticipants('101').some((p) => p.deviceId === callInfo.contact && p.status === 'Connected'), 'the makecall to connect');
    const bye = byeAnswered(callInfo, mark);
    await clean();
    await bye;
  });

  test('with answer-mode the INVITE carries Answer-Mode: Auto; a phone refusing it ends the makecall', async () => {
    const mark = answerMode.received.length;
    const operation = core().makeCall({ dn: '103', deviceId: answerMode.contact, destination: '800' });
    const invite = await answerMode.request('INVITE', mark);
    assert.equal(invite.headers.get('Answer-Mode'), 'Auto');
    assert.equal(invite.headers.get('Supported'), 'answermode');
    answerMode.respond(invite, 486);
    await answerMode.request('ACK', mark);
    await until(() => !core().listParticipants('103').some((p) => p.id === operation.participant?.id), 'the makecall participant to leave');
    await clean();
  });

  test('answer on a ringing leg of a phone with direct control sends NOTIFY Event: talk; the phone\'s 200 connects it', async () => {
    const mark = callInfo.received.length;
    core().placeInboundCall({ from: '+15557777', to: '101' });
    const invite = await callInfo.request('INVITE', mark);
    assert.equal(invite.headers.get('Call-Info'), undefined, 'a call offered to the phone is not auto-answered');
    callInfo.respond(invite, 180);
    const leg = await (async () => {
      await until(() => core().listParticipants('101').some((p) => p.deviceId === callInfo.contact), 'the phone leg');
      return core().listParticipants('101').find((p) => p.deviceId === callInfo.contact)!;
    })();
    assert.equal(leg.directControl, true);
    const answered = core().answer('101', leg.id);
    assert.equal(answered.participant?.status, 'Ringing', 'still ringing until the phone picks up');
    const notify = (await callInfo.request('NOTIFY', mark)) as SipRequest;
    assert.equal(notify.headers.get('Event'), 'talk');
    assert.match(notify.headers.get('To') ?? '', new RegExp(`tag=${callInfo.tag}`));
    callInfo.respond(notify, 200);
    callInfo.respond(invite, 200, phoneSdp(40304));
    await callInfo.request('ACK', mark);
    await until(() => core().listParticipants('101').find((p) => p.id === leg.id)?.status === 'Connected', 'the leg to connect');
    const bye = byeAnswered(callInfo, mark);
    await clean();
    await bye;
  });
});
