// Tests of RTCP: SR/RR/SDES/BYE layout and parsing, report blocks from reception statistics, LSR/DLSR and round trip.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { ReceptionStats } from '../../../src/media/rtp/reception.js';
import { RtcpState, buildRtcp, ntpMiddle, ntpTime, parseRtcp, type RtcpPacket } from '../../../src/media/rtp/rtcp.js';

function parsed(bytes: Uint8Array): RtcpPacket[] {
  const result = parseRtcp(bytes);
  assert.ok(Array.isArray(result), String(result));
  return result;
}

describe('RTCP packets', () => {
  test('a sender report with one block, SDES and BYE: layout and round trip', () => {
    const block = { ssrc: 0xabcdef01, fractionLost: 64, cumulativeLost: -3, extendedHighestSeq: 70_000, jitter: 123, lastSr: 0x12345678, delaySinceLastSr: 65536 };
    const bytes = buildRtcp({ ssrc: 42, cname: 'sw@127.0.0.1', nowMs: Date.UTC(2026, 0, 1), sender: { rtpTimestamp: 8000, packets: 50, octets: 8000 }, reports: [block], bye: true });
    assert.equal(bytes.length % 4, 0);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x81, 200, 0, 12], 'V=2, RC=1, SR, length 13 words - 1');
    const packets = parsed(bytes);
    assert.equal(packets.length, 3);
    const sr = packets[0];
    assert.ok(sr?.type === 'SR');
    assert.deepEqual([sr.ssrc, sr.rtpTimestamp, sr.packets, sr.octets], [42, 8000, 50, 8000]);
    assert.equal(sr.ntpMiddle, ntpMiddle(Date.UTC(2026, 0, 1)));
    assert.deepEqual(sr.reports, [block]);
    assert.deepEqual(packets[1], { type: 'other', packetType: 202 });
    assert.deepEqual(packets[2], { type: 'BYE', ssrcs: [42] });
  });

  test('a receiver report with no block', () => {
    const packets = parsed(buildRtcp({ ssrc: 7, cname: 'x', nowMs: 0, reports: [] }));
    assert.deepEqual(packets[0], { type: 'RR', ssrc: 7, reports: [] });
  });

  test('NTP time: the Unix epoch is 2208988800 s after 1900, half a second is 2^31', () => {
    assert.deepEqual(ntpTime(500), { seconds: 2_208_988_800, fraction: 2 ** 31 });
  });

  test('malformed datagrams are refused with a reason', () => {
    assert.match(String(parseRtcp(new Uint8Array(0))), /empty/);
    assert.match(String(parseRtcp(Uint8Array.from([0x80, 201]))), /truncated/);
    assert.match(String(parseRtcp(Uint8Array.from([0x40, 201, 0, 1, 0, 0, 0, 0]))), /version 1/);
    assert.match(String(parseRtcp(Uint8Array.from([0x80, 201, 0, 5, 0, 0, 0, 0]))), /does not fit/);
    assert.match(String(parseRtcp(Uint8Array.from([0x81, 201, 0, 1, 0, 0, 0, 0]))), /report blocks/);
    assert.match(String(parseRtcp(Uint8Array.from([0x82, 203, 0, 1, 0, 0, 0, 0]))), /BYE/);
  });
});

describe('RtcpState', () => {
  test('a report block carries fraction lost, cumulative loss, extended sequence and jitter of what was received', () => {
    const rx = new ReceptionStats();
    for (let k = 0; k < 100; k++) if (k % 4 !== 3) rx.update((65500 + k) & 0xffff, k * 160, k * 20 + (k % 2) * 4);
    const state = new RtcpState(1, 'a');
    const [rr] = parsed(state.report(0, 0, { ssrc: 99, reception: rx }));
    assert.ok(rr?.type === 'RR');
    const block = rr.reports[0];
    assert.equal(block?.ssrc, 99);
    assert.equal(block?.extendedHighestSeq, 65500 + 98);
    assert.equal(block?.cumulativeLost, 24);
    assert.equal(block?.fractionLost, Math.floor((24 * 256) / 99));
    assert.ok((block?.jitter ?? 0) > 20 && (block?.jitter ?? 0) < 40, `jitter ${block?.jitter}`);
    const stats = state.stats(rx);
    assert.equal(stats.packetsLost, 24);
    assert.ok(Math.abs(stats.fractionLost - 24 / 99) < 0.01);
    assert.ok(stats.jitterMs > 2 && stats.jitterMs < 5);
  });

  test('LSR/DLSR: the far end gets its round trip from our receiver report', () => {
    const clock = new ManualClock();
    const a = new RtcpState(1, 'a');
    const b = new RtcpState(2, 'b');
    const bReception = new ReceptionStats();
    const aReception = new ReceptionStats();
    a.sent(160);
    bReception.update(0, 0, clock.now());
    aReception.update(0, 0, clock.now());
    const srFromA = a.report(clock.now(), 0, { ssrc: 2, reception: aReception });
    clock.advance(30); // one way
    b.received(parsed(srFromA), clock.now());
    clock.advance(250); // b holds the SR 250 ms before its report
    const rrFromB = b.report(clock.now(), 0, { ssrc: 1, reception: bReception });
    const block = (parsed(rrFromB)[0] as { reports: { delaySinceLastSr: number }[] }).reports[0];
    assert.ok(Math.abs((block?.delaySinceLastSr ?? 0) - 0.25 * 65536) <= 1);
    clock.advance(30);
    a.received(parsed(rrFromB), clock.now());
    const rtt = a.stats(aReception).remote?.roundTripMs ?? -1;
    assert.ok(Math.abs(rtt - 60) < 1, `round trip ${rtt} ms`);
    assert.equal(a.stats(aReception).packetsSent, 1);
    assert.equal(a.stats(aReception).octetsSent, 160);
  });

  test('a BYE names the sources that left', () => {
    const a = new RtcpState(5, 'a');
    assert.deepEqual(a.received(parsed(buildRtcp({ ssrc: 9, cname: 'b', nowMs: 0, reports: [], bye: true })), 0), [9]);
  });
});
