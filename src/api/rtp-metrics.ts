// The switchboard_rtp_* gauges of /metrics: figures summed or summarised over the RTP sessions alive at scrape time.

import { Gauge, type Registry } from 'prom-client';
import type { RtpSessionFigures, RtpSessionStatus, SipStatus } from './sip-status.js';

/** What the gauges of one scrape read, computed once from the sessions alive at that moment. */
interface RtpSnapshot {
  sessions: number;
  sums: Record<SummedFigure, number>;
  /** Per measure, the values of the sessions that have one (local: has received RTP; far end: has reported). */
  spread: Record<SpreadFigure, number[]>;
}

type SummedFigure = 'sentPackets' | 'sentBytes' | 'receivedPackets' | 'lostPackets' | 'invalidPackets' | 'ignoredPackets' | 'latePackets' | 'duplicatePackets' | 'concealedFrames';
type SpreadFigure = 'localJitter' | 'remoteJitter' | 'localLoss' | 'remoteLoss' | 'roundTrip';

/** The summed gauges: name, help, and the figure of one session added up. */
const SUMMED: Array<[string, string, SummedFigure, (s: RtpSessionFigures) => number]> = [
  ['switchboard_rtp_live_sent_packets', 'RTP packets sent (audio and telephone-events), summed over the RTP sessions alive now (falls when a session ends).', 'sentPackets', (s) => s.packetsSent],
  ['switchboard_rtp_live_sent_payload_bytes', 'RTP payload bytes sent (headers not counted, as RTCP counts them), summed over the RTP sessions alive now.', 'sentBytes', (s) => s.octetsSent],
  ['switchboard_rtp_live_received_packets', 'RTP packets (audio and RFC 4733 telephone-events) received from the source being played (duplicates included, as RFC 3550 counts them), summed over the RTP sessions alive now.', 'receivedPackets', (s) => s.packetsReceived],
  ['switchboard_rtp_live_lost_packets', 'RTP packets lost in what we receive (RFC 3550 cumulative loss: expected minus received), summed over the RTP sessions alive now.', 'lostPackets', (s) => s.packetsLost],
  ['switchboard_rtp_live_invalid_packets', 'Datagrams on RTP and RTCP ports that were no valid RTP or RTCP (and failed sends), summed over the RTP sessions alive now.', 'invalidPackets', (s) => s.invalidPackets],
  ['switchboard_rtp_live_ignored_packets', 'Valid RTP from another source than the one latched or with a payload type not negotiated, summed over the RTP sessions alive now.', 'ignoredPackets', (s) => s.ignoredPackets],
  ['switchboard_rtp_live_jitter_buffer_late_packets', 'RTP packets the jitter buffer dropped because their audio was already due, summed over the RTP sessions alive now.', 'latePackets', (s) => s.jitterBuffer.late],
  ['switchboard_rtp_live_jitter_buffer_duplicate_packets', 'RTP packets the jitter buffer dropped because their audio was already buffered, summed over the RTP sessions alive now.', 'duplicatePackets', (s) => s.jitterBuffer.duplicates],
  ['switchboard_rtp_live_jitter_buffer_concealed_frames', '20 ms frames played without (all) their audio (lost, or late when the buffer ran dry), summed over the RTP sessions alive now.', 'concealedFrames', (s) => s.jitterBuffer.concealedFrames],
];

/** Gauges by label `measured_by` (local, far_end) and `stat` (max, mean over the sessions that have the figure). */
const SPREAD: Array<[string, string, { local?: SpreadFigure; far_end: SpreadFigure }]> = [
  [
    'switchboard_rtp_live_jitter_ms',
    'Interarrival jitter (RFC 3550 A.8) in ms over the RTP sessions alive now: measured_by="local" on what we receive (sessions that received RTP), measured_by="far_end" on what we send as its latest RTCP report says (sessions it reported on); stat is max or mean.',
    { local: 'localJitter', far_end: 'remoteJitter' },
  ],
  [
    'switchboard_rtp_live_fraction_lost_ratio',
    'Share of packets lost over the latest RTCP report interval, 0-1, over the RTP sessions alive now: measured_by="local" on what we receive, measured_by="far_end" on what we send as its latest RTCP report says; stat is max or mean.',
    { local: 'localLoss', far_end: 'remoteLoss' },
  ],
  [
    'switchboard_rtp_live_round_trip_ms',
    'Round trip in ms from the far end\'s latest RTCP report (RFC 3550 LSR/DLSR), over the RTP sessions alive now whose far end reported one; stat is max or mean.',
    { far_end: 'roundTrip' },
  ],
];

/**
 * Reads the sessions once per scrape. prom-client collects the gauges in the order they were registered, all in one
 * pass: the first (switchboard_rtp_live_sessions) takes a fresh snapshot and the others read it, so the values of
 * one scrape agree. Were that order to change, the others would show the previous scrape's figures (consistent
 * among themselves, one scrape old); test/api/rtp-metrics.test.ts checks one read per scrape.
 */
function snapshots(sessions: () => RtpSessionStatus[]): { take(): RtpSnapshot; latest(): RtpSnapshot } {
  let current: RtpSnapshot | undefined;
  const take = (): RtpSnapshot => (current = summarise(sessions().map((session) => session.stats)));
  return { take, latest: () => current ?? take() };
}

function summarise(all: RtpSessionFigures[]): RtpSnapshot {
  const sums = Object.fromEntries(SUMMED.map(([, , key]) => [key, 0])) as Record<SummedFigure, number>;
  const spread: Record<SpreadFigure, number[]> = { localJitter: [], remoteJitter: [], localLoss: [], remoteLoss: [], roundTrip: [] };
  for (const stats of all) {
    for (const [, , key, read] of SUMMED) sums[key] += read(stats);
    if (stats.packetsReceived > 0) {
      spread.localJitter.push(stats.jitterMs);
      spread.localLoss.push(stats.fractionLost);
    }
    if (stats.remote) {
      spread.remoteJitter.push(stats.remote.jitterMs);
      spread.remoteLoss.push(stats.remote.fractionLost);
      if (stats.remote.roundTripMs !== undefined) spread.roundTrip.push(stats.remote.roundTripMs);
    }
  }
  return { sessions: all.length, sums, spread };
}

/**
 * Registers the switchboard_rtp_* gauges when the SIP server reports RTP sessions (none otherwise). They are gauges
 * over the sessions alive at scrape time, not counters: a session's figures leave the sums when it ends, so they
 * may fall; `_live_` in every name says so.
 */
export function registerRtpMetrics(sip: SipStatus, registers: Registry[]): void {
  if (!sip.rtpSessions) return;
  const snapshot = snapshots(() => sip.rtpSessions?.() ?? []);
  new Gauge({
    name: 'switchboard_rtp_live_sessions',
    help: 'RTP sessions alive now (one per SIP leg with negotiated media).',
    registers,
    collect() {
      this.set(snapshot.take().sessions);
    },
  });
  for (const [name, help, key] of SUMMED) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(snapshot.latest().sums[key]);
      },
    });
  }
  for (const [name, help, figures] of SPREAD) {
    new Gauge({
      name,
      help,
      labelNames: ['measured_by', 'stat'],
      registers,
      collect() {
        this.reset(); // a measure no session has is left out rather than shown as 0
        const spread = snapshot.latest().spread;
        for (const [measuredBy, figure] of Object.entries(figures) as Array<[string, SpreadFigure]>) {
          const values = spread[figure];
          if (values.length === 0) continue;
          this.set({ measured_by: measuredBy, stat: 'max' }, values.reduce((a, b) => Math.max(a, b)));
          this.set({ measured_by: measuredBy, stat: 'mean' }, values.reduce((a, b) => a + b, 0) / values.length);
        }
      },
    });
  }
}
