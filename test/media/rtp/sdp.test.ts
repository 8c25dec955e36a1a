// Tests of SDP offer/answer: codecs and their order, telephone-event, ptime, directions, rejected streams, errors.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SdpError, answerDirection, answerOffer, createOffer, readAnswer, type Direction } from '../../../src/media/rtp/sdp.js';

const local = { address: '127.0.0.1', port: 40000 };

/** An offer as a phone might write it. */
function phoneOffer(opts: { formats?: string; extra?: string[]; media?: string; c?: string; direction?: string } = {}): string {
  return [
    'v=0',
    'o=phone 1 1 IN IP4 192.0.2.10',
    's=call',
    `c=IN IP4 ${opts.c ?? '192.0.2.10'}`,
    't=0 0',
    ...(opts.media !== undefined ? [opts.media] : []),
    `m=audio 5004 RTP/AVP ${opts.formats ?? '8 0 96'}`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:96 telephone-event/8000',
    'a=fmtp:96 0-15',
    ...(opts.extra ?? []),
    `a=${opts.direction ?? 'sendrecv'}`,
    '',
  ].join('\r\n');
}

describe('SDP offer', () => {
  test('an offer lists the codecs in preference order, telephone-event with fmtp 0-16, ptime and direction', () => {
    const sdp = createOffer({ ...local, codecs: ['PCMA', 'PCMU'], direction: 'sendonly', sessionId: '77', sessionVersion: 2 });
    assert.match(sdp, /^v=0\r\n/);
    assert.match(sdp, /\r\no=- 77 2 IN IP4 127\.0\.0\.1\r\n/);
    assert.match(sdp, /\r\nc=IN IP4 127\.0\.0\.1\r\n/);
    assert.match(sdp, /\r\nm=audio 40000 RTP\/AVP 8 0 101\r\n/);
    assert.match(sdp, /a=rtpmap:8 PCMA\/8000\r\na=rtpmap:0 PCMU\/8000\r\na=rtpmap:101 telephone-event\/8000\r\n/);
    assert.match(sdp, /a=fmtp:101 0-16\r\n/);
    assert.match(sdp, /a=ptime:20\r\n/);
    assert.match(sdp, /a=sendonly\r\n/);
  });

  test('our offer answered by our answerer: both agree on codec, ports and directions', () => {
    const offer = createOffer({ ...local, codecs: ['PCMU', 'PCMA'] });
    const { sdp, media } = answerOffer(offer, { address: '127.0.0.1', port: 40002, codecs: ['PCMA', 'PCMU'] });
    assert.equal(media.codec, 'PCMU', "the offerer's preference wins");
    assert.deepEqual([media.remotePort, media.remoteRtcpPort, media.telephoneEventPayloadType], [40000, 40001, 101]);
    const back = readAnswer(sdp, { ...local, codecs: ['PCMU', 'PCMA'] });
    assert.deepEqual([back.codec, back.payloadType, back.remotePort, back.direction, back.ptimeMs], ['PCMU', 0, 40002, 'sendrecv', 20]);
  });
});

describe('SDP answer', () => {
  test('chooses the first common codec in the offer, keeps its telephone-event payload type, answers only them', () => {
    const { sdp, media } = answerOffer(phoneOffer(), local);
    assert.deepEqual([media.codec, media.payloadType, media.telephoneEventPayloadType], ['PCMA', 8, 96]);
    assert.deepEqual([media.remoteAddress, media.remotePort], ['192.0.2.10', 5004]);
    assert.match(sdp, /\r\nm=audio 40000 RTP\/AVP 8 96\r\n/);
    assert.match(sdp, /a=fmtp:96 0-16/);
    assert.doesNotMatch(sdp, /PCMU/);
  });

  test('a codec we do not take is skipped for the next one; static types without rtpmap are understood', () => {
    assert.equal(answerOffer(phoneOffer(), { ...local, codecs: ['PCMU'] }).media.codec, 'PCMU');
    const bare = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 18 0\r\n';
    const { media } = answerOffer(bare, local);
    assert.deepEqual([media.codec, media.telephoneEventPayloadType, media.direction], ['PCMU', undefined, 'sendrecv']);
  });

  test('no common codec is a clear error the SIP layer answers with 488', () => {
    const offer = phoneOffer({ formats: '18 96', extra: ['a=rtpmap:18 G729/8000'] });
    assert.throws(() => answerOffer(offer, local), (e: unknown) => e instanceof SdpError && e.code === 'no-common-codec' && e.status === 488 && /no codec in common/.test(e.message));
  });

  test('the answer direction reverses the offer and narrows it by ours (RFC 3264 §6.1)', () => {
    const cases: [Direction, Direction, Direction][] = [
      ['sendrecv', 'sendrecv', 'sendrecv'],
      ['sendonly', 'sendrecv', 'recvonly'],
      ['recvonly', 'sendrecv', 'sendonly'],
      ['inactive', 'sendrecv', 'inactive'],
      ['sendrecv', 'sendonly', 'sendonly'],
      ['sendonly', 'sendonly', 'inactive'],
      ['sendrecv', 'inactive', 'inactive'],
    ];
    for (const [offered, wanted, answered] of cases) {
      assert.equal(answerDirection(offered, wanted), answered, `${offered} offered, ${wanted} wanted`);
      const { sdp, media } = answerOffer(phoneOffer({ direction: offered }), { ...local, direction: wanted });
      assert.equal(media.direction, answered);
      assert.match(sdp, new RegExp(`a=${answered}\\r\\n`));
    }
  });

  test('an old-style hold (c=0.0.0.0) is taken as the far end not receiving', () => {
    assert.equal(answerOffer(phoneOffer({ c: '0.0.0.0' }), local).media.direction, 'recvonly');
  });

  test("the far end's a=ptime is what we send with; a video stream and a disabled audio stream get port 0", () => {
    const offer = phoneOffer({ media: 'm=video 5006 RTP/AVP 97\r\na=rtpmap:97 H264/90000', extra: ['a=ptime:30'] })
      .replace('m=audio 5004', 'm=audio 0 RTP/AVP 0\r\nm=audio 5004');
    const { sdp, media } = answerOffer(offer, local);
    assert.equal(media.ptimeMs, 30);
    const mLines = sdp.split('\r\n').filter((l) => l.startsWith('m='));
    assert.deepEqual(mLines, ['m=video 0 RTP/AVP 97', 'm=audio 0 RTP/AVP 0', 'm=audio 40000 RTP/AVP 8 96']);
  });

  test('a=rtcp overrides port + 1', () => {
    assert.equal(answerOffer(phoneOffer({ extra: ['a=rtcp:7000'] }), local).media.remoteRtcpPort, 7000);
  });

  test('an answer refusing our stream, or choosing a codec we did not offer, is an error', () => {
    const refused = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n';
    assert.throws(() => readAnswer(refused, local), (e: unknown) => e instanceof SdpError && e.code === 'no-common-codec');
    const pcma = refused.replace('audio 0 RTP/AVP 0', 'audio 5000 RTP/AVP 8');
    assert.throws(() => readAnswer(pcma, { ...local, codecs: ['PCMU'] }), SdpError);
    assert.throws(() => answerOffer('hello', local), (e: unknown) => e instanceof SdpError && e.code === 'malformed');
  });
});

describe('SDP: any input', () => {
  test('an arbitrary or mangled offer either is answered or fails with an SdpError', () => {
    const lines = phoneOffer().split('\r\n');
    const mangled = fc.array(fc.oneof(fc.constantFrom(...lines), fc.string({ maxLength: 30 }), fc.constant('m=audio x RTP/AVP 0')), { maxLength: 15 }).map((l) => l.join('\r\n'));
    fc.assert(fc.property(fc.oneof(mangled, fc.string({ maxLength: 200 })), (text) => {
      try {
        const { media } = answerOffer(text, local);
        assert.ok(media.codec === 'PCMU' || media.codec === 'PCMA');
      } catch (error) {
        assert.ok(error instanceof SdpError, String(error));
      }
    }), { numRuns: 500 });
  });
});
