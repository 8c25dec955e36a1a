// GET /metrics with RTP sessions: the switchboard_rtp_live_* gauges summed and summarised over the sessions alive at scrape time.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RtpSessionFigures, RtpSessionStatus, SipStatus } from '../../src/api/sip-status.js';
import { createTestApp, type TestApp } from '../helpers/api.js';
import { fakeSip, talkingPair } from '../helpers/rtp.js';

async function scrape(t: TestApp): Promise<string> {
  const response = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  return response.body;
}

/** The value of one series (name with its labels), or undefined when it is not exported. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Figures of a session that lost packets both ways, with no round trip known: every figure differs from the pair's. */
const LOSSY: RtpSessionFigures = {
  packetsSent: 500,
  octetsSent: 80_000,
  packetsReceived: 450,
  packetsLost: 50,
  fractionLost: 0.25,
  jitterMs: 90,
  remote: { fractionLost: 0.5, packetsLost: 40, jitterMs: 70 },
  invalidPackets: 3,
  ignoredPackets: 4,
  digitsReceived: 0,
  byeReceived: false,
  jitterBuffer: { accepted: 440, late: 6, duplicates: 2, refused: 0, concealedFrames: 11, underruns: 1, overflowDroppedFrames: 0, shrinkDroppedFrames: 0, stretchedFrames: 0, ssrcChanges: 0 },
};

describe('GET /metrics: RTP', () => {
  test('sums over live sessions, and max/mean of jitter, loss and round trip by who measured them', async (ctx) => {
    const pair = await talkingPair();
    ctx.after(() => pair.close());
    const sessions: RtpSessionStatus[] = [
      { participantId: 1, dn: '100', deviceId: 'sip:100@127.0.0.1:5062', stats: pair.a.stats() },
      { participantId: 2, dn: '101', deviceId: 'sip:101@127.0.0.1:5064', stats: pair.b.stats() },
      { participantId: 3, dn: '102', deviceId: 'sip:102@127.0.0.1:5066', stats: LOSSY },
    ];
    let reads = 0;
    const t = await createTestApp(ctx, { app: { sip: fakeSip(() => (reads++, sessions)) } });
    const text = await scrape(t);
    assert.equal(reads, 1, 'the sessions are read once per scrape, not once per gauge');
    const [a, b] = [pair.a.stats(), pair.b.stats()];
    assert.ok(b.jitterMs > 0 && a.remote?.roundTripMs !== undefined, 'the pair measured jitter and a round trip');
    const all = [a, b, LOSSY];
    const sum = (read: (s: RtpSessionFigures) => number) => all.reduce((total, s) => total + read(s), 0);
    const expected: Array<[string, number]> = [
      ['switchboard_rtp_live_sessions', 3],
      ['switchboard_rtp_live_sent_packets', sum((s) => s.packetsSent)],
      ['switchboard_rtp_live_sent_payload_bytes', sum((s) => s.octetsSent)],
      ['switchboard_rtp_live_received_packets', sum((s) => s.packetsReceived)],
      ['switchboard_rtp_live_lost_packets', 50],
      ['switchboard_rtp_live_invalid_packets', 3],
      ['switchboard_rtp_live_ignored_packets', 4],
      ['switchboard_rtp_live_jitter_buffer_late_packets', 6],
      ['switchboard_rtp_live_jitter_buffer_duplicate_packets', 2],
      ['switchboard_rtp_live_jitter_buffer_concealed_frames', 11],
      ['switchboard_rtp_live_jitter_ms{measured_by="local",stat="max"}', 90],
      ['switchboard_rtp_live_jitter_ms{measured_by="local",stat="mean"}', (a.jitterMs + b.jitterMs + 90) / 3],
      ['switchboard_rtp_live_jitter_ms{measured_by="far_end",stat="max"}', 70],
      ['switchboard_rtp_live_jitter_ms{measured_by="far_end",stat="mean"}', ((a.remote?.jitterMs ?? NaN) + (b.remote?.jitterMs ?? NaN) + 70) / 3],
      ['switchboard_rtp_live_fraction_lost_ratio{measured_by="local",stat="max"}', 0.25],
      ['switchboard_rtp_live_fraction_lost_ratio{measured_by="local",stat="mean"}', (a.fractionLost + b.fractionLost + 0.25) / 3],
      ['switchboard_rtp_live_fraction_lost_ratio{measured_by="far_end",stat="max"}', 0.5],
      ['switchboard_rtp_live_round_trip_ms{measured_by="far_end",stat="max"}', Math.max(a.remote?.roundTripMs ?? NaN, b.remote?.roundTripMs ?? NaN)],
      ['switchboard_rtp_live_round_trip_ms{measured_by="far_end",stat="mean"}', ((a.remote?.roundTripMs ?? NaN) + (b.remote?.roundTripMs ?? NaN)) / 2],
    ];
    assert.ok(sum((s) => s.packetsSent) > 500, 'the real pair sent packets');
    for (const [series, value] of expected) {
      const got = valueOf(text, series);
      assert.ok(got !== undefined, `${series} is exported`);
      assert.ok(Math.abs(got - value) < 1e-9, `${series}: ${got}, expected ${value}`);
    }
    assert.equal(valueOf(text, 'switchboard_rtp_live_round_trip_ms{measured_by="local",stat="max"}'), undefined, 'no local round trip');
    assert.match(text, /^# TYPE switchboard_rtp_live_sent_packets gauge$/m);
    assert.match(text, /^# HELP switchboard_rtp_live_sent_packets .*alive now/m);
  });

  test('the gauges cover live sessions only: a session that ends leaves the sums, and with none the spreads are not exported', async (ctx) => {
    const sessions: RtpSessionStatus[] = [{ participantId: 3, dn: '102', deviceId: 'd', stats: LOSSY }];
    const t = await createTestApp(ctx, { app: { sip: fakeSip(() => sessions) } });
    assert.equal(valueOf(await scrape(t), 'switchboard_rtp_live_sent_packets'), 500);
    sessions.length = 0;
    const text = await scrape(t);
    assert.equal(valueOf(text, 'switchboard_rtp_live_sessions'), 0);
    assert.equal(valueOf(text, 'switchboard_rtp_live_sent_packets'), 0);
    assert.ok(!/^switchboard_rtp_live_jitter_ms\{/m.test(text), 'no jitter series without a session that measured it');
    assert.ok(!/^switchboard_rtp_live_fraction_lost_ratio\{/m.test(text));
  });

  test('a session that has received nothing and has no far-end report counts in the sums but not in the spreads', async (ctx) => {
    const quiet: RtpSessionFigures = { ...LOSSY, packetsReceived: 0, packetsLost: 0, jitterMs: 0, fractionLost: 0 };
    delete quiet.remote;
    const t = await createTestApp(ctx, { app: { sip: fakeSip(() => [{ participantId: 4, dn: '100', deviceId: 'd', stats: quiet }]) } });
    const text = await scrape(t);
    assert.equal(valueOf(text, 'switchboard_rtp_live_sessions'), 1);
    assert.ok(!/^switchboard_rtp_live_(jitter_ms|fraction_lost_ratio|round_trip_ms)\{/m.test(text));
  });

  test('no RTP lines when the SIP server reports no sessions member, or when SIP is off; the SIP lines stay', async (ctx) => {
    const without: SipStatus = fakeSip();
    const sipOnly = await createTestApp(ctx, { app: { sip: without } });
    const text = await scrape(sipOnly);
    assert.match(text, /^switchboard_sip_bindings 0$/m);
    assert.ok(!text.includes('switchboard_rtp_'), 'no switchboard_rtp_ lines');
    const noSip = await createTestApp(ctx);
    assert.ok(!(await scrape(noSip)).includes('switchboard_rtp_'));
  });
});
