// Tests of the RTP header codec: fields, CSRC, extension and padding skipped, malformed packets refused with a reason.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeRtp, emptyRtpPacket, looksLikeRtcp, writeRtpHeader, RTP_HEADER_BYTES } from '../../../src/media/rtp/packet.js';

function packet(fields: { marker?: boolean; pt?: number; seq?: number; ts?: number; ssrc?: number }, payload: number[]): Uint8Array {
  const buf = new Uint8Array(RTP_HEADER_BYTES + payload.length);
  writeRtpHeader(buf, { marker: fields.marker ?? false, payloadType: fields.pt ?? 0, sequence: fields.seq ?? 1, timestamp: fields.ts ?? 0, ssrc: fields.ssrc ?? 7 });
  buf.set(payload, RTP_HEADER_BYTES);
  return buf;
}

describe('RTP packet', () => {
  test('a written header decodes to the same fields, payload a view of the datagram (no copy)', () => {
    const buf = packet({ marker: true, pt: 8, seq: 65535, ts: 0xfffffff0, ssrc: 0xdeadbeef }, [1, 2, 3]);
    const out = emptyRtpPacket();
    assert.equal(decodeRtp(buf, out), undefined);
    assert.deepEqual({ m: out.marker, pt: out.payloadType, seq: out.sequence, ts: out.timestamp, ssrc: out.ssrc, cc: out.csrcCount }, { m: true, pt: 8, seq: 65535, ts: 0xfffffff0, ssrc: 0xdeadbeef, cc: 0 });
    assert.deepEqual([...out.payload], [1, 2, 3]);
    assert.equal(out.payload.buffer, buf.buffer);
    assert.equal(out.payload.byteOffset, buf.byteOffset + 12);
  });

  test('the header starts with version 2 and no flags', () => {
    const buf = packet({}, []);
    assert.equal(buf[0], 0x80);
  });

  test('CSRC entries and a header extension are skipped, padding removed', () => {
    // V=2, P=1, X=1, CC=2; two CSRCs; extension of 1 word; payload [9, 9]; 3 bytes of padding (last byte 3).
    const bytes = [0xb2, 0x00, 0, 5, 0, 0, 0, 160, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 1, 1, 2, 3, 4, 9, 9, 0, 0, 3];
    const out = emptyRtpPacket();
    assert.equal(decodeRtp(Uint8Array.from(bytes), out), undefined);
    assert.equal(out.csrcCount, 2);
    assert.ok(out.extension && out.padding);
    assert.deepEqual([...out.payload], [9, 9]);
    assert.equal(out.timestamp, 160);
  });

  test('malformed packets are refused with a reason', () => {
    const out = emptyRtpPacket();
    const cases: [number[], RegExp][] = [
      [[0x80, 0, 0], /too short/],
      [[0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], /version 1/],
      [[0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], /CSRC/],
      [[0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], /extension does not fit/],
      [[0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9], /extension of 9 words/],
      [[0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], /padding of 0/],
      [[0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9], /padding of 9/],
    ];
    for (const [bytes, reason] of cases) assert.match(decodeRtp(Uint8Array.from(bytes), out) ?? '', reason, JSON.stringify(bytes));
  });

  test('no byte string makes the decoder throw', () => {
    const out = emptyRtpPacket();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const reason = decodeRtp(bytes, out);
      if (reason === undefined) assert.ok(out.payload.length <= bytes.length - RTP_HEADER_BYTES);
    }));
  });

  test('RTCP packet types are told from RTP on a shared port', () => {
    assert.ok(looksLikeRtcp(Uint8Array.from([0x80, 200, 0, 6])));
    assert.ok(!looksLikeRtcp(packet({ pt: 0, marker: true }, [])));
  });
});
