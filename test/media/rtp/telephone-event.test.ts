// Tests of RFC 4733 telephone-events: the packets a digit is sent as, and digits read back once each.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  TELEPHONE_EVENT_DIGITS, TelephoneEventReceiver, decodeTelephoneEvent, encodeTelephoneEvent, telephoneEventPackets,
} from '../../../src/media/rtp/telephone-event.js';

function bytes(event: number, end: boolean, duration: number, volume = 10): Uint8Array {
  const out = new Uint8Array(4);
  encodeTelephoneEvent(out, { event, end, volume, duration });
  return out;
}

describe('telephone-event out', () => {
  test('a 100 ms digit: start with marker, an update 50 ms later, three end packets with the whole duration', () => {
    const packets = telephoneEventPackets('5');
    assert.deepEqual(packets.map((p) => [p.offsetMs, p.marker, p.event.end, p.event.duration]), [
      [0, true, false, 400],
      [50, false, false, 800],
      [100, false, true, 800],
      [120, false, true, 800],
      [140, false, true, 800],
    ]);
    assert.ok(packets.every((p) => p.event.event === 5 && p.event.volume === 10));
  });

  test('a 230 ms digit has updates every 50 ms, durations never decrease and end at 230 ms', () => {
    const packets = telephoneEventPackets('#', { durationMs: 230 });
    const updates = packets.filter((p) => !p.event.end);
    assert.deepEqual(updates.map((p) => p.offsetMs), [0, 50, 100, 150, 200]);
    assert.equal(packets.filter((p) => p.marker).length, 1);
    for (let i = 1; i < packets.length; i++) assert.ok((packets[i]?.event.duration ?? 0) >= (packets[i - 1]?.event.duration ?? 0));
    assert.equal(packets.at(-1)?.event.duration, 230 * 8);
    assert.equal(packets[0]?.event.event, 11);
  });

  test('every digit maps to its RFC 4733 event code; anything else is refused', () => {
    for (const [code, digit] of [...TELEPHONE_EVENT_DIGITS].entries()) assert.equal(telephoneEventPackets(digit)[0]?.event.event, code);
    assert.equal(telephoneEventPackets('a')[0]?.event.event, 12);
    assert.throws(() => telephoneEventPackets('x'), RangeError);
    assert.throws(() => telephoneEventPackets('1', { durationMs: 9000 }), RangeError);
  });

  test('an event block encodes and decodes (E bit, volume, duration)', () => {
    assert.deepEqual([...bytes(11, true, 1600, 7)], [11, 0x87, 0x06, 0x40]);
    assert.deepEqual(decodeTelephoneEvent(Uint8Array.from([11, 0x87, 0x06, 0x40])), { event: 11, end: true, volume: 7, duration: 1600 });
    assert.equal(decodeTelephoneEvent(new Uint8Array(3)), undefined);
  });
});

describe('telephone-event in', () => {
  test('start, updates and three end packets: the digit is reported once, at the start, and the end counted once', () => {
    const rx = new TelephoneEventReceiver();
    const got = telephoneEventPackets('7').map((p) => { const b = new Uint8Array(4); encodeTelephoneEvent(b, p.event); return rx.receive(b, 8000); });
    assert.deepEqual(got, ['7', undefined, undefined, undefined, undefined]);
    assert.equal(rx.events, 1);
    assert.equal(rx.ended, 1);
  });

  test('the same digit twice is two events (two timestamps)', () => {
    const rx = new TelephoneEventReceiver();
    assert.equal(rx.receive(bytes(1, false, 400), 1000), '1');
    assert.equal(rx.receive(bytes(1, true, 800), 1000), undefined);
    assert.equal(rx.receive(bytes(1, false, 400), 3000), '1');
    assert.equal(rx.events, 2);
  });

  test('a lost start packet: the digit comes with the first packet of its event that arrives, even an end packet', () => {
    const rx = new TelephoneEventReceiver();
    assert.equal(rx.receive(bytes(9, false, 800), 500), '9');
    assert.equal(rx.receive(bytes(4, true, 800), 2000), '4');
    assert.equal(rx.receive(bytes(4, true, 800), 2000), undefined);
    assert.equal(rx.ended, 1);
  });

  test('a straggler of an older event, a short packet and a non-DTMF event are ignored', () => {
    const rx = new TelephoneEventReceiver();
    assert.equal(rx.receive(bytes(2, false, 400), 0xfffffff0), '2');
    assert.equal(rx.receive(bytes(3, false, 400), 100), '3', 'timestamps wrap');
    assert.equal(rx.receive(bytes(2, true, 800), 0xfffffff0), undefined);
    assert.equal(rx.receive(new Uint8Array(2), 200), undefined);
    assert.equal(rx.receive(bytes(16, false, 400), 300), undefined);
    assert.equal(rx.ignored, 2);
  });
});
