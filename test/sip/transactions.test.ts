// Transactions of RFC 3261 §17 and RFC 6026: every timer (A, B, D, E, F, G, H, I, J, K, L, M) on the manual clock, and the layer's matching.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { buildResponse } from '../../src/sip/builders.js';
import { InviteClientTransaction } from '../../src/sip/invite-client.js';
import { InviteServerTransaction } from '../../src/sip/invite-server.js';
import { cseqOf, toOf, tagOf, topVia, type SipMessage, type SipRequest, type SipResponse } from '../../src/sip/message.js';
import { NonInviteClientTransaction } from '../../src/sip/non-invite-client.js';
import { NonInviteServerTransaction } from '../../src/sip/non-invite-server.js';
import { parseMessage } from '../../src/sip/parser.js';
import { DEFAULT_TIMERS, type Peer, type TransactionContext } from '../../src/sip/transaction.js';
import { TransactionLayer, TransactionTableFullError, type ServerTransaction } from '../../src/sip/transaction-layer.js';
import { viaBranch } from '../../src/sip/via.js';

const UDP: Peer = { transport: 'UDP', host: '127.0.0.1', port: 5070 };
const TCP: Peer = { transport: 'TCP', host: '127.0.0.1', port: 5070 };

function request(method: string, { branch = 'z9hG4bK-1', sentBy = '127.0.0.1:5070', seq = 1 } = {}): SipRequest {
  const text = [
    `${method} sip:100@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP ${sentBy};branch=${branch}`,
    'From: <sip:alice@127.0.0.1>;tag=a1',
    'To: <sip:100@127.0.0.1>',
    'Call-ID: call-1',
    `CSeq: ${seq} ${method}`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text)) as SipRequest;
}

function response(req: SipRequest, status: number): SipResponse {
  return buildResponse(req, status, { toTag: 'b2' });
}

/** A fake transport that records what was sent, with the manual clock's time, and can be made to fail. */
function harness(peer: Peer = UDP) {
  const clock = new ManualClock(0);
  const sent: Array<{ at: number; msg: SipMessage }> = [];
  let failing = false;
  let terminated = 0;
  const ctx: TransactionContext = {
    clock,
    timers: DEFAULT_TIMERS,
    send: (msg) => {
      if (failing) throw new Error('network down');
      sent.push({ at: clock.now(), msg });
    },
    terminated: () => terminated++,
  };
  return {
    clock, sent, ctx, peer,
    fail: () => { failing = true; },
    get terminated() { return terminated; },
    times: () => sent.map((s) => s.at),
  };
}

function label(msg: SipMessage): string {
  return msg.type === 'request' ? msg.method : String(msg.status);
}

describe('INVITE client transaction', () => {
  test('Timer A retransmits over UDP at T1, 2T1, 4T1... and Timer B gives up at 64*T1', () => {
    const h = harness();
    const failures: string[] = [];
    const tx = new InviteClientTransaction(request('INVITE'), UDP, h.ctx, { response: () => assert.fail('no response'), failed: (r) => failures.push(r) });
    tx.start();
    h.clock.advance(31_999);
    assert.deepEqual(h.times(), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.deepEqual(failures, []);
    h.clock.advance(1);
    assert.deepEqual(failures, ['timeout']);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.terminated, 1);
    h.clock.advance(100_000);
    assert.equal(h.sent.length, 7, 'nothing after termination');
  });

  test('over TCP nothing is retransmitted, Timer B still applies', () => {
    const h = harness(TCP);
    const failures: string[] = [];
    new InviteClientTransaction(request('INVITE'), TCP, h.ctx, { response: () => {}, failed: (r) => failures.push(r) }).start();
    h.clock.advance(32_000);
    assert.deepEqual(h.times(), [0]);
    assert.deepEqual(failures, ['timeout']);
  });

  test('a provisional response stops A and B (Proceeding waits for the final response)', () => {
    const h = harness();
    const heard: number[] = [];
    const inv = request('INVITE');
    const tx = new InviteClientTransaction(inv, UDP, h.ctx, { response: (r) => heard.push(r.status), failed: () => assert.fail('no failure') });
    tx.start();
    h.clock.advance(600);
    tx.receive(response(inv, 180));
    h.clock.advance(200_000);
    assert.equal(tx.state, 'proceeding');
    assert.deepEqual(h.times(), [0, 500]);
    assert.deepEqual(heard, [180]);
  });

  test('a failure is ACKed on the same branch, re-ACKed on retransmission, heard once, and Timer D ends it after 32 s over UDP', () => {
    const h = harness();
    const heard: number[] = [];
    const inv = request('INVITE');
    const tx = new InviteClientTransaction(inv, UDP, h.ctx, { response: (r) => heard.push(r.status), failed: () => {} });
    tx.start();
    const busy = response(inv, 486);
    tx.receive(busy);
    tx.receive(busy);
    assert.deepEqual(heard, [486]);
    assert.deepEqual(h.sent.map((s) => label(s.msg)), ['INVITE', 'ACK', 'ACK']);
    const ack = h.sent[1]!.msg as SipRequest;
    assert.equal(viaBranch(topVia(ack)), 'z9hG4bK-1');
    assert.deepEqual(cseqOf(ack), { seq: 1, method: 'ACK' });
    assert.equal(tagOf(toOf(ack)), 'b2');
    h.clock.advance(31_999);
    assert.equal(tx.state, 'completed');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
  });

  test('Timer D is zero over TCP', () => {
    const h = harness(TCP);
    const inv = request('INVITE');
    const tx = new InviteClientTransaction(inv, TCP, h.ctx, { response: () => {}, failed: () => {} });
    tx.start();
    tx.receive(response(inv, 503));
    h.clock.advance(0);
    assert.equal(tx.state, 'terminated');
  });

  test('a 2xx moves to Accepted (RFC 6026); 2xx retransmissions reach the TU; Timer M ends it at 64*T1', () => {
    const h = harness();
    const heard: number[] = [];
    const inv = request('INVITE');
    const tx = new InviteClientTransaction(inv, UDP, h.ctx, { response: (r) => heard.push(r.status), failed: () => {} });
    tx.start();
    tx.receive(response(inv, 200));
    tx.receive(response(inv, 200));
    tx.receive(response(inv, 486));
    assert.deepEqual(heard, [200, 200]);
    assert.equal(tx.state, 'accepted');
    assert.deepEqual(h.sent.map((s) => label(s.msg)), ['INVITE'], 'the TU sends the ACK of a 2xx');
    h.clock.advance(31_999);
    assert.equal(tx.state, 'accepted');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
  });

  test('a transport failure terminates and tells the TU', () => {
    const h = harness();
    h.fail();
    const failures: string[] = [];
    const tx = new InviteClientTransaction(request('INVITE'), UDP, h.ctx, { response: () => {}, failed: (r) => failures.push(r) });
    tx.start();
    assert.deepEqual(failures, ['transport']);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.clock.pendingTimers(), 0);
  });
});

describe('non-INVITE client transaction', () => {
  test('Timer E doubles up to T2 in Trying; Timer F times out at 64*T1', () => {
    const h = harness();
    const failures: string[] = [];
    new NonInviteClientTransaction(request('OPTIONS'), UDP, h.ctx, { response: () => {}, failed: (r) => failures.push(r) }).start();
    h.clock.advance(32_000);
    assert.deepEqual(h.times(), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.deepEqual(failures, ['timeout']);
  });

  test('in Proceeding Timer E fires every T2', () => {
    const h = harness();
    const opt = request('OPTIONS');
    const tx = new NonInviteClientTransaction(opt, UDP, h.ctx, { response: () => {}, failed: () => {} });
    tx.start();
    h.clock.advance(600);
    tx.receive(response(opt, 100));
    h.clock.advance(10_000);
    assert.deepEqual(h.times(), [0, 500, 1500, 5500, 9500]);
  });

  test('a final response stops E and F, later copies are absorbed, Timer K ends it after T4 over UDP and at once over TCP', () => {
    for (const [peer, k] of [[UDP, 5000], [TCP, 0]] as const) {
      const h = harness(peer);
      const heard: number[] = [];
      const opt = request('OPTIONS');
      const tx = new NonInviteClientTransaction(opt, peer, h.ctx, { response: (r) => heard.push(r.status), failed: () => assert.fail('no timeout') });
      tx.start();
      tx.receive(response(opt, 200));
      tx.receive(response(opt, 200));
      assert.deepEqual(heard, [200]);
      if (k > 0) {
        h.clock.advance(k - 1);
        assert.equal(tx.state, 'completed');
      }
      h.clock.advance(1);
      assert.equal(tx.state, 'terminated');
      h.clock.advance(64_000);
      assert.deepEqual(h.times(), [0]);
    }
  });

  test('a transport failure on a retransmission terminates and tells the TU', () => {
    const h = harness();
    const failures: string[] = [];
    const tx = new NonInviteClientTransaction(request('OPTIONS'), UDP, h.ctx, { response: () => {}, failed: (r) => failures.push(r) });
    tx.start();
    h.fail();
    h.clock.advance(500);
    assert.deepEqual(failures, ['transport']);
    assert.equal(tx.state, 'terminated');
  });
});

describe('INVITE server transaction', () => {
  test('answers 100 Trying at once and resends the latest provisional on INVITE retransmission', () => {
    const h = harness();
    const inv = request('INVITE');
    const tx = new InviteServerTransaction(inv, UDP, h.ctx);
    tx.start();
    tx.receive(inv);
    tx.respond(response(inv, 180));
    tx.receive(inv);
    assert.deepEqual(h.sent.map((s) => label(s.msg)), ['100', '100', '180', '180']);
  });

  test('a failure is retransmitted by Timer G (T1 doubling to T2) until Timer H gives up at 64*T1', () => {
    const h = harness();
    const inv = request('INVITE');
    let timedOut = 0;
    const tx = new InviteServerTransaction(inv, UDP, h.ctx, { ackTimeout: () => timedOut++ });
    tx.start();
    tx.respond(response(inv, 486));
    h.clock.advance(31_999);
    assert.deepEqual(h.times(), [0, 0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(timedOut, 0);
    h.clock.advance(1);
    assert.equal(timedOut, 1);
    assert.equal(tx.state, 'terminated');
  });

  test('the ACK stops G and H; Timer I absorbs ACK copies for T4 over UDP, none over TCP', () => {
    for (const [peer, i] of [[UDP, 5000], [TCP, 0]] as const) {
      const h = harness(peer);
      const inv = request('INVITE');
      const tx = new InviteServerTransaction(inv, peer, h.ctx, { ackTimeout: () => assert.fail('acknowledged') });
      tx.start();
      tx.respond(response(inv, 486));
      tx.receive(request('ACK'));
      assert.equal(tx.state, 'confirmed');
      tx.receive(request('ACK'));
      if (i > 0) {
        h.clock.advance(i - 1);
        assert.equal(tx.state, 'confirmed');
      }
      h.clock.advance(1);
      assert.equal(tx.state, 'terminated');
      assert.deepEqual(h.sent.map((s) => label(s.msg)), ['100', '486']);
    }
  });

  test('over TCP a failure is not retransmitted; Timer H still bounds the wait for the ACK', () => {
    const h = harness(TCP);
    const inv = request('INVITE');
    const tx = new InviteServerTransaction(inv, TCP, h.ctx);
    tx.start();
    tx.respond(response(inv, 603));
    h.clock.advance(32_000);
    assert.deepEqual(h.sent.map((s) => label(s.msg)), ['100', '603']);
    assert.equal(tx.state, 'terminated');
  });

  test('a 2xx moves to Accepted (RFC 6026): INVITE copies absorbed, ACK passed up, TU 2xx resent, Timer L ends it', () => {
    const h = harness();
    const inv = request('INVITE');
    const acks: SipRequest[] = [];
    const tx = new InviteServerTransaction(inv, UDP, h.ctx, { ack: (a) => acks.push(a) });
    tx.start();
    tx.respond(response(inv, 200));
    tx.receive(inv);
    tx.respond(response(inv, 200));
    tx.respond(response(inv, 486));
    tx.receive(request('ACK'));
    assert.equal(acks.length, 1);
    assert.deepEqual(h.sent.map((s) => label(s.msg)), ['100', '200', '200']);
    h.clock.advance(31_999);
    assert.equal(tx.state, 'accepted');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
  });

  test('a transport failure while responding terminates and is reported', () => {
    const h = harness();
    const errors: unknown[] = [];
    const inv = request('INVITE');
    const tx = new InviteServerTransaction(inv, UDP, h.ctx, { transportError: (e) => errors.push(e) });
    tx.start();
    h.fail();
    tx.respond(response(inv, 180));
    assert.equal(errors.length, 1);
    assert.equal(tx.state, 'terminated');
  });
});

describe('non-INVITE server transaction', () => {
  test('Trying absorbs copies, Proceeding resends the provisional, Completed resends the final and drops later TU responses', () => {
    const h = harness();
    const reg = request('REGISTER');
    const tx = new NonInviteServerTransaction(reg, UDP, h.ctx);
    tx.receive(reg);
    assert.equal(h.sent.length, 0);
    tx.respond(response(reg, 100));
    assert.equal(tx.state, 'proceeding');
    tx.receive(reg);
    tx.respond(response(reg, 200));
    tx.receive(reg);
    tx.respond(response(reg, 500));
    assert.deepEqual(h.sent.map((s) => label(s.msg)), ['100', '100', '200', '200']);
  });

  test('Timer J keeps the transaction 64*T1 over UDP and ends it at once over TCP', () => {
    for (const [peer, j] of [[UDP, 32_000], [TCP, 0]] as const) {
      const h = harness(peer);
      const reg = request('REGISTER');
      const tx = new NonInviteServerTransaction(reg, peer, h.ctx);
      tx.respond(response(reg, 200));
      if (j > 0) {
        h.clock.advance(j - 1);
        assert.equal(tx.state, 'completed');
      }
      h.clock.advance(1);
      assert.equal(tx.state, 'terminated');
      assert.equal(h.terminated, 1);
    }
  });
});

describe('stateless answers (RFC 3261 §26.3.2.4)', () => {
  test('respondStatelessly sends the final response once and ends the transaction: a retransmission is not absorbed', () => {
    const h = harness();
    const reg = request('REGISTER');
    const tx = new NonInviteServerTransaction(reg, UDP, h.ctx);
    tx.respondStatelessly(response(reg, 401));
    assert.equal(tx.state, 'terminated');
    assert.equal(h.terminated, 1);
    tx.receive(reg);
    assert.deepEqual(h.sent.map((s) => label(s.msg)), ['401']);
    assert.equal(h.clock.pendingTimers(), 0);
  });
});

describe('transaction layer', () => {
  function layer(max?: number) {
    const clock = new ManualClock(0);
    const sent: Array<{ msg: SipMessage; peer: Peer }> = [];
    const requests: Array<{ request: SipRequest; tx: ServerTransaction | undefined }> = [];
    const cancels: SipRequest[] = [];
    const strays: SipResponse[] = [];
    const l = new TransactionLayer({
      clock,
      send: (msg, peer) => sent.push({ msg, peer }),
      user: { request: (request, tx) => requests.push({ request, tx }), cancel: (_inv, c) => cancels.push(c), strayResponse: (r) => strays.push(r) },
      ...(max === undefined ? {} : { maxTransactions: max }),
    });
    return { clock, sent, requests, cancels, strays, l };
  }

  test('a retransmitted request reaches its transaction, not the TU; another sent-by is another transaction', () => {
    const t = layer();
    t.l.receiveRequest(request('OPTIONS'), UDP);
    t.l.receiveRequest(request('OPTIONS'), UDP);
    t.l.receiveRequest(request('OPTIONS', { sentBy: '127.0.0.2:5070' }), UDP);
    assert.equal(t.requests.length, 2);
    assert.equal(t.l.size, 2);
  });

  test('RFC 2543 requests without the magic cookie are matched by Call-ID, tags, CSeq and sent-by', () => {
    const t = layer();
    t.l.receiveRequest(request('OPTIONS', { branch: 'old-style' }), UDP);
    t.l.receiveRequest(request('OPTIONS', { branch: 'old-style' }), UDP);
    t.l.receiveRequest(request('OPTIONS', { branch: 'old-style', seq: 2 }), UDP);
    assert.equal(t.requests.length, 2);
  });

  test('an ACK for a failure matches its INVITE transaction; an ACK on a new branch (2xx) goes to the TU without one', () => {
    const t = layer();
    t.l.receiveRequest(request('INVITE'), UDP);
    const tx = t.requests[0]?.tx as InviteServerTransaction;
    tx.respond(response(tx.request, 486));
    t.l.receiveRequest(request('ACK'), UDP);
    assert.equal(tx.state, 'confirmed');
    t.l.receiveRequest(request('ACK', { branch: 'z9hG4bK-2xx-ack' }), UDP);
    assert.equal(t.requests.length, 2);
    assert.equal(t.requests[1]?.tx, undefined);
  });

  test('CANCEL of a pending INVITE is answered 200 and handed to the TU; an unknown one gets 481', () => {
    const t = layer();
    t.l.receiveRequest(request('INVITE'), UDP);
    t.l.receiveRequest(request('CANCEL'), UDP);
    assert.equal(t.cancels.length, 1);
    t.l.receiveRequest(request('CANCEL', { branch: 'z9hG4bK-other' }), UDP);
    assert.deepEqual(t.sent.map((s) => label(s.msg)), ['100', '200', '481']);
    assert.equal(t.requests.length, 1, 'CANCEL is not a new request for the TU');
  });

  test('responses match client transactions by branch and CSeq method; others are stray', () => {
    const t = layer();
    const heard: number[] = [];
    const opt = request('OPTIONS', { branch: 'z9hG4bK-c1' });
    t.l.sendRequest(opt, UDP, { response: (r) => heard.push(r.status), failed: () => {} });
    t.l.receiveResponse(response(opt, 200), UDP);
    t.l.receiveResponse(response(request('OPTIONS', { branch: 'z9hG4bK-zz' }), 200), UDP);
    assert.deepEqual(heard, [200]);
    assert.equal(t.strays.length, 1);
    assert.throws(() => t.l.sendRequest(request('ACK'), UDP, { response: () => {}, failed: () => {} }), RangeError);
    assert.throws(() => t.l.sendRequest(request('OPTIONS', { branch: 'nocookie' }), UDP, { response: () => {}, failed: () => {} }), RangeError);
  });

  test('the table is bounded: beyond it requests get a stateless 503 and new client transactions are refused', () => {
    const t = layer(2);
    t.l.receiveRequest(request('OPTIONS', { branch: 'z9hG4bK-a' }), UDP);
    t.l.receiveRequest(request('OPTIONS', { branch: 'z9hG4bK-b' }), UDP);
    t.l.receiveRequest(request('OPTIONS', { branch: 'z9hG4bK-c' }), UDP);
    assert.equal(t.requests.length, 2);
    const refusal = t.sent.at(-1)?.msg as SipResponse;
    assert.equal(refusal.status, 503);
    assert.equal(refusal.headers.get('Retry-After'), '5');
    assert.throws(() => t.l.sendRequest(request('OPTIONS', { branch: 'z9hG4bK-d' }), UDP, { response: () => {}, failed: () => {} }), TransactionTableFullError);
  });

  test('a full table forgets its oldest completed non-INVITE transaction to take a new request; with none completed it still refuses 503', () => {
    const t = layer(2);
    t.l.receiveRequest(request('OPTIONS', { branch: 'z9hG4bK-a' }), UDP);
    t.l.receiveRequest(request('OPTIONS', { branch: 'z9hG4bK-b' }), UDP);
    t.requests[1]?.tx?.respond(response(t.requests[1].request, 200)); // b waits out Timer J; a is still in progress
    t.l.receiveRequest(request('OPTIONS', { branch: 'z9hG4bK-c' }), UDP);
    assert.equal(t.requests.length, 3, 'c was taken');
    assert.equal(t.l.size, 2);
    assert.equal(t.requests[1]?.tx?.state, 'terminated', 'b was forgotten');
    assert.equal(t.requests[0]?.tx?.state, 'trying', 'a in progress was kept');
    t.l.receiveRequest(request('OPTIONS', { branch: 'z9hG4bK-d' }), UDP);
    assert.equal(t.requests.length, 3, 'nothing completed to forget: d refused');
    assert.equal((t.sent.at(-1)?.msg as SipResponse).status, 503);
  });

  test('terminated transactions leave the table', () => {
    const t = layer();
    t.l.receiveRequest(request('OPTIONS'), UDP);
    t.requests[0]?.tx?.respond(response(t.requests[0].request, 200));
    assert.equal(t.l.size, 1);
    t.clock.advance(32_000);
    assert.equal(t.l.size, 0);
    assert.equal(t.clock.pendingTimers(), 0);
  });
});
