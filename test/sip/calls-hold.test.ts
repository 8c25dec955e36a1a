// Hold with a SIP phone both ways: the phone's re-INVITE with sendonly/sendrecv holds and resumes the other party, a new
// address keeps the call, the core's hold (transferto) re-INVITEs the phone with a=sendonly and back, and glare gets 491.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { SIP_TEST_PASSWORD, startSipPbx, type SipPbx } from './helpers/sip-pbx.js';
import { phoneSdp, ScriptedUa } from './helpers/scripted-ua.js';
import { until } from './helpers/until.js';

describe('hold with a SIP phone', () => {
  let pbx: SipPbx;
  let phone: ScriptedUa;
  before(async () => {
    pbx = await startSipPbx();
    phone = await ScriptedUa.open(pbx.sipPort, '102');
    await phone.register(SIP_TEST_PASSWORD);
  });
  after(async () => {
    phone?.close();
    await pbx?.close();
  });

  const core = () => pbx.server.pbx;
  const sip = () => pbx.server.sip!.server;

  /** An external caller rings 102 and the phone answers: the INVITE, our 200, and both participant ids. */
  async function connected(): Promise<{ invite: SipRequest; ok: SipResponse; callerId: number; phoneLegId: number; mark: number }> {
    const mark = phone.received.length;
    const caller = core().placeInboundCall({ from: '+15557777', to: '102' });
    const invite = await phone.request('INVITE', mark);
    const ok = phone.respond(invite, 200, phoneSdp(40100));
    await phone.request('ACK', mark);
    await until(() => core().listParticipants('102')[0]?.status === 'Connected', 'the phone leg to connect');
    return { invite, ok, callerId: caller.id, phoneLegId: core().listParticipants('102')[0]!.id, mark };
  }

  let seq = 100;
  /** The phone re-INVITEs inside the call with `sdp`; resolves with the final response. */
  async function reinvite(call: { invite: SipRequest; ok: SipResponse }, sdp: string): Promise<SipResponse> {
    seq += 1;
    const mark = phone.received.length;
    const dialog = [`From: ${call.ok.headers.get('To')}`, `To: ${call.invite.headers.get('From')}`, `Call-ID: ${call.invite.headers.get('Call-ID')}`, `Contact: <${phone.contact}>`];
    const target = (call.invite.headers.get('Contact') ?? '').replace(/^<|>$/g, '');
    const branch = phone.sendRaw(`INVITE ${target} SIP/2.0`, [...dialog, `CSeq: ${seq} INVITE`, 'Content-Type: application/sdp'], sdp);
    const final = await phone.final(branch, mark);
    // A 2xx is ACKed end to end (a new branch); a failure inside its own transaction (the INVITE's branch).
    const ackDialog = dialog.filter((h) => !h.startsWith('Contact')).map((h) => (h.startsWith('To:') ? `To: ${final.headers.get('To')}` : h));
    phone.sendRaw(`ACK ${target} SIP/2.0`, [...ackDialog, `CSeq: ${seq} ACK`], '', ...(final.status === 200 ? [] : [branch]));
    return final;
  }

  async function hangUp(phoneLegId: number): Promise<void> {
    const mark = phone.received.length;
    core().drop('102', phoneLegId);
    phone.respond(await phone.request('BYE', mark), 200);
    await until(() => core().participantCount() === 0, 'every participant to leave');
    await until(() => sip().liveDialogs === 0 && sip().phones.liveCalls === 0 && sip().rtpPortsInUse === 0, 'no dialog, call or RTP port left');
  }

  test('the phone holds with sendonly (answered recvonly) and resumes with sendrecv; a new address keeps the call', async () => {
    const call = await connected();
    const held = await reinvite(call, phoneSdp(40100, 'sendonly'));
    assert.equal(held.status, 200);
    assert.match(held.body.toString(), /a=recvonly/);
    assert.equal(core().participantDetail(call.callerId)?.held, true, 'the other party is held');
    const resumed = await reinvite(call, phoneSdp(40100, 'sendrecv'));
    assert.match(resumed.body.toString(), /a=sendrecv/);
    assert.equal(core().participantDetail(call.callerId)?.held, false);
    const moved = await reinvite(call, phoneSdp(40200));
    assert.equal(moved.status, 200);
    assert.equal(core().listParticipants('102')[0]?.status, 'Connected', 'the call goes on');
    await hangUp(call.phoneLegId);
  });

  test('inactive holds too; a re-INVITE without codec in common is 488 and the call goes on', async () => {
    const call = await connected();
    assert.match((await reinvite(call, phoneSdp(40100, 'inactive'))).body.toString(), /a=inactive/);
    assert.equal(core().participantDetail(call.callerId)?.held, true);
    assert.equal((await reinvite(call, phoneSdp(40100, 'sendrecv', '18'))).status, 488);
    assert.equal(core().listParticipants('102')[0]?.status, 'Connected');
    await hangUp(call.phoneLegId);
  });

  test('an UPDATE with sendonly holds the other party and one with sendrecv resumes it', async () => {
    const call = await connected();
    const update = async (direction: string): Promise<SipResponse> => {
      seq += 1;
      const mark = phone.received.length;
      const target = (call.invite.headers.get('Contact') ?? '').replace(/^<|>$/g, '');
      const headers = [`From: ${call.ok.headers.get('To')}`, `To: ${call.invite.headers.get('From')}`, `Call-ID: ${call.invite.headers.get('Call-ID')}`, `Contact: <${phone.contact}>`, `CSeq: ${seq} UPDATE`, 'Content-Type: application/sdp'];
      return phone.final(phone.sendRaw(`UPDATE ${target} SIP/2.0`, headers, phoneSdp(40100, direction)), mark);
    };
    assert.match((await update('sendonly')).body.toString(), /a=recvonly/);
    assert.equal(core().participantDetail(call.callerId)?.held, true);
    assert.match((await update('sendrecv')).body.toString(), /a=sendrecv/);
    assert.equal(core().participantDetail(call.callerId)?.held, false);
    await hangUp(call.phoneLegId);
  });

  test('an offer-less re-INVITE gets our offer (PCMU, PCMA, telephone-event) in the 200; with the answer in the ACK the call goes on', async () => {
    const call = await connected();
    seq += 1;
    const mark = phone.received.length;
    const dialog = [`From: ${call.ok.headers.get('To')}`, `To: ${call.invite.headers.get('From')}`, `Call-ID: ${call.invite.headers.get('Call-ID')}`];
    const target = (call.invite.headers.get('Contact') ?? '').replace(/^<|>$/g, '');
    const branch = phone.sendRaw(`INVITE ${target} SIP/2.0`, [...dialog, `Contact: <${phone.contact}>`, `CSeq: ${seq} INVITE`]);
    const offer = await phone.final(branch, mark);
    assert.equal(offer.status, 200);
    assert.match(offer.body.toString(), /m=audio \d+ RTP\/AVP 0 8 101/);
    assert.match(offer.body.toString(), /a=sendrecv/);
    phone.sendRaw(`ACK ${target} SIP/2.0`, [...dialog, `CSeq: ${seq} ACK`, 'Content-Type: application/sdp'], phoneSdp(40100, 'recvonly'));
    assert.equal(core().listParticipants('102')[0]?.status, 'Connected');
    await hangUp(call.phoneLegId);
  });

  test('transferto holds the phone with a real re-INVITE (a=sendonly), and its failure takes it back (a=sendrecv)', async () => {
    const call = await connected();
    const mark = phone.received.length;
    core().transferTo('10000', call.callerId, { destination: '103' });
    const hold = await phone.request('INVITE', mark);
    assert.match(hold.body.toString(), /a=sendonly/);
    assert.equal(hold.headers.get('Call-ID'), call.invite.headers.get('Call-ID'));
    phone.respond(hold, 200, phoneSdp(40100, 'recvonly'));
    await until(() => phone.count((m) => m.type === 'request' && m.method === 'ACK') >= 2, 'the ACK of the hold');
    const ringing = core().listParticipants('103')[0];
    assert.ok(ringing, 'the transfer destination rings');
    const before = phone.received.length;
    core().drop('103', ringing.id);
    const resume = await phone.request('INVITE', before);
    assert.match(resume.body.toString(), /a=sendrecv/);
    phone.respond(resume, 200, phoneSdp(40100));
    await until(() => phone.received.slice(before).some((m) => m.type === 'request' && m.method === 'ACK'), 'the ACK of the resume');
    await hangUp(call.phoneLegId);
  });

  test('glare: a phone re-INVITE while ours is pending gets 491, and ours is retried after our 491', async () => {
    const call = await connected();
    const mark = phone.received.length;
    core().transferTo('10000', call.callerId, { destination: '103' });
    const hold = await phone.request('INVITE', mark);
    assert.equal((await reinvite(call, phoneSdp(40100, 'sendonly'))).status, 491);
    phone.respond(hold, 491);
    const again = await phone.waitFor((m) => m.type === 'request' && m.method === 'INVITE' && m.headers.get('CSeq') !== hold.headers.get('CSeq'), 'the retried re-INVITE', mark);
    assert.match(again.body.toString(), /a=sendonly/);
    phone.respond(again as SipRequest, 200, phoneSdp(40100, 'recvonly'));
    await hangUp(call.phoneLegId);
  });
});
