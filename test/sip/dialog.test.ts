// Dialogs: creation on both sides, early to confirmed, route sets from Record-Route, CSeq rules, target refresh, in-dialog requests.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatNameAddr, parseNameAddr } from '../../src/sip/address.js';
import { buildResponse } from '../../src/sip/builders.js';
import { confirmUac, dialogKey, dialogKeyOfRequest, inDialogRequest, receiveInDialog, terminate, uacDialog, uasDialog } from '../../src/sip/dialog.js';
import { cseqOf, fromOf, tagOf, toOf, type SipRequest, type SipResponse } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { formatUri } from '../../src/sip/uri.js';

function invite(extra = ''): SipRequest {
  return parseMessage(Buffer.from([
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d1',
    'From: "Alice" <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    'Call-ID: dlg-1',
    'CSeq: 10 INVITE',
    'Contact: <sip:alice@127.0.0.1:5070>',
    `${extra}Content-Length: 0`,
    '',
    '',
  ].join('\r\n'))) as SipRequest;
}

function answer(req: SipRequest, status: number, contact = '<sip:bob@127.0.0.1:5080>', recordRoute: string[] = []): SipResponse {
  const res = buildResponse(req, status, { toTag: 'b1' });
  res.headers.append('Contact', contact);
  for (const rr of recordRoute) res.headers.append('Record-Route', rr);
  return res;
}

describe('dialogs', () => {
  test('UAC: a 180 with a tag makes an early dialog, the 200 confirms it and recomputes the route set and target', () => {
    const req = invite();
    const early = uacDialog(req, answer(req, 180, '<sip:bob@early>', ['<sip:p1;lr>']));
    assert.ok(early);
    assert.equal(early.state, 'early');
    assert.deepEqual([early.callId, early.localTag, early.remoteTag, early.localSeq, early.remoteSeq], ['dlg-1', 'a1', 'b1', 10, undefined]);
    confirmUac(early, answer(req, 200, '<sip:bob@final>', ['<sip:p2;lr>', '<sip:p1;lr>']));
    assert.equal(early.state, 'confirmed');
    assert.deepEqual(early.routeSet.map(formatNameAddr), ['<sip:p1;lr>', '<sip:p2;lr>'], 'reversed on the UAC side');
    assert.equal(formatUri(early.remoteTarget), 'sip:bob@final');
    terminate(early);
    assert.equal(early.state, 'terminated');
  });

  test('no dialog from a 100, a failure, a response without To tag or without Contact', () => {
    const req = invite();
    assert.equal(uacDialog(req, answer(req, 100)), undefined);
    assert.equal(uacDialog(req, answer(req, 486)), undefined);
    const untagged = buildResponse(req, 200);
    untagged.headers.append('Contact', '<sip:b@h>');
    assert.equal(uacDialog(req, untagged), undefined);
    assert.equal(uacDialog(req, buildResponse(req, 200, { toTag: 'x' })), undefined);
  });

  test('UAS: route set in Record-Route order, remote CSeq from the request, keys match the peer\'s requests', () => {
    const req = invite('Record-Route: <sip:p1;lr>, <sip:p2;lr>\r\n');
    const d = uasDialog(req, 'b1', 200);
    assert.ok(d);
    assert.deepEqual(d.routeSet.map(formatNameAddr), ['<sip:p1;lr>', '<sip:p2;lr>']);
    assert.deepEqual([d.localSeq, d.remoteSeq, formatUri(d.remoteTarget)], [undefined, 10, 'sip:alice@127.0.0.1:5070']);
    const bye = inDialogRequest(uacDialog(req, answer(req, 200))!, 'BYE', { via: 'SIP/2.0/UDP 127.0.0.1:5070' });
    // The peer's BYE seen from the UAS: its To tag is ours (b1), its From tag theirs (a1).
    assert.equal(dialogKeyOfRequest(bye), dialogKey(d));
  });

  test('in-dialog requests: next CSeq, tags, loose routing to the remote target, Contact on target refreshes only', () => {
    const req = invite();
    const d = uacDialog(req, answer(req, 200, '<sip:bob@127.0.0.1:5080>', ['<sip:p2;lr>', '<sip:p1;lr>']))!;
    const reinvite = inDialogRequest(d, 'INVITE', { via: 'SIP/2.0/UDP 127.0.0.1:5070', contact: parseNameAddr('<sip:alice@127.0.0.1:5070>') });
    assert.equal(formatUri(reinvite.uri), 'sip:bob@127.0.0.1:5080');
    assert.deepEqual(reinvite.headers.getAll('Route'), ['<sip:p1;lr>', '<sip:p2;lr>']);
    assert.deepEqual(cseqOf(reinvite), { seq: 11, method: 'INVITE' });
    assert.equal(tagOf(fromOf(reinvite)), 'a1');
    assert.equal(tagOf(toOf(reinvite)), 'b1');
    assert.equal(reinvite.headers.get('Contact'), '<sip:alice@127.0.0.1:5070>');
    assert.match(reinvite.headers.get('Via') ?? '', /;branch=z9hG4bK/);
    const ack = inDialogRequest(d, 'ACK', { via: 'SIP/2.0/UDP 127.0.0.1:5070', seq: 11 });
    assert.deepEqual(cseqOf(ack), { seq: 11, method: 'ACK' });
    const bye = inDialogRequest(d, 'BYE', { via: 'SIP/2.0/UDP 127.0.0.1:5070', contact: parseNameAddr('<sip:a@h>') });
    assert.deepEqual(cseqOf(bye), { seq: 12, method: 'BYE' });
    assert.equal(bye.headers.get('Contact'), undefined);
    assert.equal(parseMessage(Buffer.from(`${bye.method} ${formatUri(bye.uri)} SIP/2.0\r\n${[...bye.headers].map((f) => `${f.name}: ${f.value}`).join('\r\n')}\r\n\r\n`)).type, 'request', 'what it builds parses');
  });

  test('strict routing: a first route without lr becomes the Request-URI and the target goes last', () => {
    const req = invite();
    const d = uacDialog(req, answer(req, 200, '<sip:bob@target>', ['<sip:p2;lr>', '<sip:strict1>']))!;
    const bye = inDialogRequest(d, 'BYE', { via: 'SIP/2.0/UDP h' });
    assert.equal(formatUri(bye.uri), 'sip:strict1');
    assert.deepEqual(bye.headers.getAll('Route'), ['<sip:p2;lr>', '<sip:bob@target>']);
  });

  test('the peer\'s CSeq must grow (500 otherwise); a target refresh moves the remote target', () => {
    const req = invite();
    const d = uasDialog(req, 'b1', 200)!;
    const peer = uacDialog(req, answer(req, 200))!;
    const reinvite = inDialogRequest(peer, 'INVITE', { via: 'SIP/2.0/UDP h', contact: parseNameAddr('<sip:alice@moved>') });
    assert.equal(receiveInDialog(d, reinvite), undefined);
    assert.equal(formatUri(d.remoteTarget), 'sip:alice@moved');
    assert.equal(receiveInDialog(d, reinvite), 500, 'the same CSeq again is out of order');
    const info = inDialogRequest(peer, 'INFO', { via: 'SIP/2.0/UDP h', contact: parseNameAddr('<sip:alice@elsewhere>') });
    assert.equal(receiveInDialog(d, info), undefined);
    assert.equal(formatUri(d.remoteTarget), 'sip:alice@moved', 'INFO is not a target refresh');
  });
});
