// Calls the PBX offers to a registered SIP phone (a scripted UA on loopback UDP): INVITE with SDP, ringing, answer and ACK,
// refusals with the causes table, CANCEL (and a 200 crossing it), BYE both ways, and nothing left behind.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { formatUri } from '../../src/sip/uri.js';
import { SIP_TEST_PASSWORD, startSipPbx, type SipPbx } from './helpers/sip-pbx.js';
import { phoneSdp, ScriptedUa } from './helpers/scripted-ua.js';
import { until } from './helpers/until.js';

describe('calls to a SIP phone', () => {
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
  const ring = async (): Promise<{ invite: SipRequest; callerId: number; mark: number }> => {
    const mark = phone.received.length;
    const caller = core().placeInboundCall({ from: '+15557777', to: '102' });
    const invite = await phone.request('INVITE', mark);
    return { invite, callerId: caller.id, mark };
  };
  const settled = async () => {
    await until(() => core().listParticipants('102').length === 0 && core().listParticipants('10000').length === 0, 'the call to end');
    await until(() => sip().liveDialogs === 0 && sip().phones.liveCalls === 0, 'no dialog or call left');
  };

  test('the INVITE goes to the contact with an SDP offer; 180 rings, 200 answers and is ACKed (again on a retransmission); the phone\'s BYE ends the call', async () => {
    const { invite, mark } = await ring();
    assert.equal(formatUri(invite.uri), phone.contact, 'the Request-URI is the registered contact');
    assert.match(invite.headers.get('From') ?? '', /^<sip:\+15557777@127\.0\.0\.1>;tag=/);
    assert.equal(invite.headers.get('To'), '<sip:102@127.0.0.1>');
    assert.match(invite.headers.get('Contact') ?? '', /^<sip:switchboard@127\.0\.0\.1:\d+>$/);
    assert.equal(invite.headers.get('Content-Type'), 'application/sdp');
    assert.match(invite.body.toString(), /m=audio \d+ RTP\/AVP 0 8 101/);
    const [participant] = core().listParticipants('102');
    assert.equal(participant?.status, 'Ringing');
    assert.equal(participant?.deviceId, phone.contact);

    phone.respond(invite, 180);
    const ok = phone.respond(invite, 200, phoneSdp(40000));
    const ack = await phone.request('ACK', mark);
    assert.equal(ack.headers.get('CSeq'), '1 ACK');
    await until(() => core().listParticipants('102')[0]?.status === 'Connected', 'the phone leg to connect');
    phone.send(ok); // a retransmitted 200: ACKed again
    await until(() => phone.count((m) => m.type === 'request' && m.method === 'ACK') >= 2, 'the second ACK');
    assert.equal(sip().rtpSessions().length, 1);
    assert.equal(sip().rtpSessions()[0]?.deviceId, phone.contact);

    const bye = phone.sendRaw(`BYE ${invite.headers.get('Contact')?.slice(1, -1)} SIP/2.0`, [`From: ${ok.headers.get('To')}`, `To: ${invite.headers.get('From')}`, `Call-ID: ${invite.headers.get('Call-ID')}`, 'CSeq: 1 BYE']);
    assert.equal((await phone.final(bye, mark)).status, 200);
    await settled();
    assert.equal(sip().rtpSessions().length, 0);
  });

  test('486 ends the call as busy (ACKed by the transaction); 603 as rejected', async () => {
    for (const [status, cause] of [[486, 'busy'], [603, 'rejected']] as const) {
      const removed: string[] = [];
      const stop = core().subscribe((e) => {
        if (e.type === 'participant-removed' && e.participant.dn === '102') removed.push(e.cause);
      });
      const { invite, mark } = await ring();
      phone.respond(invite, status);
      await phone.request('ACK', mark);
      await settled();
      stop();
      assert.deepEqual(removed, [cause]);
    }
  });

  test('the caller leaving while the phone rings sends CANCEL; the 487 is ACKed', async () => {
    const { invite, callerId, mark } = await ring();
    phone.respond(invite, 180);
    await until(() => phone.received.length > mark, 'the 180 to be sent');
    core().drop('10000', callerId);
    const cancel = await phone.request('CANCEL', mark);
    assert.equal(cancel.headers.get('CSeq'), '1 CANCEL');
    phone.respond(cancel, 200);
    phone.respond(invite, 487);
    await phone.request('ACK', mark);
    await settled();
  });

  test('a 200 that crosses the CANCEL is ACKed and hung up with BYE', async () => {
    const { invite, callerId, mark } = await ring();
    phone.respond(invite, 180);
    core().drop('10000', callerId);
    const cancel = await phone.request('CANCEL', mark);
    phone.respond(invite, 200, phoneSdp(40002));
    phone.respond(cancel, 200);
    await phone.request('ACK', mark);
    const bye = await phone.request('BYE', mark);
    phone.respond(bye, 200);
    await settled();
  });

  test('dropping a connected phone leg sends BYE', async () => {
    const { invite, mark } = await ring();
    phone.respond(invite, 200, phoneSdp(40004));
    await until(() => core().listParticipants('102')[0]?.status === 'Connected', 'the phone leg to connect');
    const [leg] = core().listParticipants('102');
    core().drop('102', leg!.id);
    const bye = await phone.request('BYE', mark);
    assert.equal(bye.headers.get('Call-ID'), invite.headers.get('Call-ID'));
    phone.respond(bye, 200);
    await settled();
  });

  test('183 with SDP gives early media on the phone leg (its link carries audio) before the 200', async () => {
    const { invite, mark } = await ring();
    phone.respond(invite, 183, phoneSdp(40006));
    const [leg] = core().listParticipants('102');
    await until(() => core().participantLink(leg!.id)?.media === true, 'early media on the phone leg');
    assert.equal(core().listParticipants('102')[0]?.status, 'Ringing');
    phone.respond(invite, 200, phoneSdp(40006));
    await phone.request('ACK', mark);
    await until(() => core().listParticipants('102')[0]?.status === 'Connected', 'the phone leg to connect');
    core().drop('102', leg!.id);
    phone.respond(await phone.request('BYE', mark), 200);
    await settled();
  });

  test('RFC 4733 keys from the phone reach the caller as DTMF; keys for the phone go out as RFC 4733 events', async () => {
    const rtp = createSocket('udp4');
    await new Promise<void>((resolve) => rtp.bind(0, '127.0.0.1', () => resolve()));
    const packets: Buffer[] = [];
    rtp.on('message', (data) => packets.push(data));
    try {
      const { invite, callerId, mark } = await ring();
      const pbxPort = Number(/m=audio (\d+) /.exec(invite.body.toString())?.[1]);
      phone.respond(invite, 200, phoneSdp(rtp.address().port));
      await phone.request('ACK', mark);
      await until(() => core().listParticipants('102')[0]?.status === 'Connected', 'the phone leg to connect');
      const digits: string[] = [];
      const stop = core().subscribe((e) => {
        if (e.type === 'dtmf' && e.participantId === callerId) digits.push(e.digits);
      });
      // Key 5: three packets of one event (the first with the marker), the last with the end bit.
      for (const [index, flags] of [[0, 0x0a], [1, 0x0a], [2, 0x8a]] as const) {
        const packet = Buffer.alloc(16);
        packet.writeUInt8(0x80, 0);
        packet.writeUInt8((index === 0 ? 0x80 : 0) | 101, 1);
        packet.writeUInt16BE(1000 + index, 2);
        packet.writeUInt32BE(160_000, 4);
        packet.writeUInt32BE(0x1234, 8);
        packet.writeUInt8(5, 12);
        packet.writeUInt8(flags, 13);
        packet.writeUInt16BE(160 * (index + 1), 14);
        rtp.send(packet, pbxPort, '127.0.0.1');
      }
      await until(() => digits.length > 0, 'the DTMF event of the caller');
      stop();
      assert.deepEqual(digits, ['5']);
      core().sendDtmf(callerId, '7');
      pbx.clock.advance(400);
      await until(() => packets.some((p) => (p.readUInt8(1) & 0x7f) === 101 && p.readUInt8(12) === 7), 'an RFC 4733 packet for key 7');
      const [leg] = core().listParticipants('102');
      core().drop('102', leg!.id);
      phone.respond(await phone.request('BYE', mark), 200);
      await settled();
    } finally {
      rtp.close();
    }
  });

  test('a BYE or re-INVITE for no dialog is answered 481', async () => {
    const mark = phone.received.length;
    const branch = phone.sendRaw(`BYE sip:switchboard@127.0.0.1:${pbx.sipPort} SIP/2.0`, [`From: <sip:102@127.0.0.1>;tag=${phone.tag}`, 'To: <sip:x@127.0.0.1>;tag=nope', 'Call-ID: no-such-call', 'CSeq: 5 BYE']);
    assert.equal(((await phone.final(branch, mark)) as SipResponse).status, 481);
    const reinvite = phone.sendRaw(`INVITE sip:switchboard@127.0.0.1:${pbx.sipPort} SIP/2.0`, [`From: <sip:102@127.0.0.1>;tag=${phone.tag}`, 'To: <sip:x@127.0.0.1>;tag=nope', 'Call-ID: no-such-call', 'CSeq: 6 INVITE', `Contact: <${phone.contact}>`]);
    assert.equal(((await phone.final(reinvite, mark)) as SipResponse).status, 481);
  });
});

describe('two SIP phones on one extension', () => {
  test('both ring, each its own participant; answering one CANCELs the other', async () => {
    const pbx = await startSipPbx();
    const desk = await ScriptedUa.open(pbx.sipPort, '102');
    const soft = await ScriptedUa.open(pbx.sipPort, '102');
    try {
      await desk.register(SIP_TEST_PASSWORD);
      await soft.register(SIP_TEST_PASSWORD);
      const core = pbx.server.pbx;
      core.placeInboundCall({ from: '+15557777', to: '102' });
      const [deskInvite, softInvite] = await Promise.all([desk.request('INVITE'), soft.request('INVITE')]);
      assert.notEqual(deskInvite.headers.get('Call-ID'), softInvite.headers.get('Call-ID'), 'one INVITE per phone');
      assert.deepEqual(core.listParticipants('102').map((p) => p.deviceId).sort(), [desk.contact, soft.contact].sort());
      desk.respond(deskInvite, 180);
      soft.respond(softInvite, 180);
      await until(() => desk.received.length > 0 && soft.received.length > 0, 'both to ring');
      desk.respond(deskInvite, 200, phoneSdp(40400));
      await desk.request('ACK');
      const cancel = await soft.request('CANCEL');
      soft.respond(cancel, 200);
      soft.respond(softInvite, 487);
      await soft.request('ACK');
      await until(() => core.listParticipants('102').length === 1 && core.listParticipants('102')[0]?.status === 'Connected', 'the desk phone alone, connected');
      assert.equal(core.listParticipants('102')[0]?.deviceId, desk.contact);
      core.endAllCalls();
      desk.respond(await desk.request('BYE'), 200);
      const sip = pbx.server.sip!.server;
      await until(() => sip.liveDialogs === 0 && sip.phones.liveCalls === 0 && sip.rtpPortsInUse === 0, 'nothing left');
    } finally {
      desk.close();
      soft.close();
      await pbx.close();
    }
  });
});

describe('stopping the server', () => {
  test('a phone in a call is sent BYE when the server stops', async () => {
    const pbx = await startSipPbx();
    const phone = await ScriptedUa.open(pbx.sipPort, '102');
    try {
      await phone.register(SIP_TEST_PASSWORD);
      pbx.server.pbx.placeInboundCall({ from: '+15557777', to: '102' });
      const invite = await phone.request('INVITE');
      phone.respond(invite, 200, phoneSdp(40500));
      await phone.request('ACK');
      await until(() => pbx.server.pbx.listParticipants('102')[0]?.status === 'Connected', 'the phone leg to connect');
      await pbx.close();
      const bye = await phone.request('BYE');
      assert.equal(bye.headers.get('Call-ID'), invite.headers.get('Call-ID'));
    } finally {
      phone.close();
      await pbx.close();
    }
  });
});
