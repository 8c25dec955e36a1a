// Test fixtures for RTP figures: two real RtpSessions talking over loopback on a manual clock, and a SipStatus that reports sessions.

import { ManualClock } from '../../src/core/clock.js';
import type { RtpSessionStatus, SipStatus } from '../../src/api/sip-status.js';
import { FRAME_SAMPLES } from '../../src/media/format.js';
import { RtpPortPool } from '../../src/media/rtp/port-pool.js';
import { RtpSession, RTCP_INTERVAL_MS } from '../../src/media/rtp/session.js';

/** Yields to the event loop (no timers, no sleeping) until `condition` holds: UDP datagrams arrive meanwhile. */
export async function untilTrue(condition: () => boolean, what: string, maxTurns = 200_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** A seeded generator, so SSRCs and the first sequence numbers are the same every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface RtpPair {
  clock: ManualClock;
  a: RtpSession;
  b: RtpSession;
  close(): Promise<void>;
}

/**
 * Two sessions on 127.0.0.1 sending to each other: `frames` packets each way, b's arrivals spaced unevenly (so b
 * measures jitter), then two RTCP rounds so each has the other's report and the round trip. Nothing moves afterwards
 * until the caller advances the clock or feeds audio.
 */
export async function talkingPair(frames = 20): Promise<RtpPair> {
  const clock = new ManualClock();
  const base = 42000 + 2 * Math.floor(seeded(process.pid)() * 1000);
  const pool = new RtpPortPool({ address: '127.0.0.1', minPort: base, maxPort: base + 199 });
  const a = await RtpSession.open({ pool, clock, random: seeded(1) });
  const b = await RtpSession.open({ pool, clock, random: seeded(2) });
  const media = { remoteAddress: '127.0.0.1', codec: 'PCMU', payloadType: 0, telephoneEventPayloadType: 101, ptimeMs: 20, direction: 'sendrecv' } as const;
  a.apply({ ...media, remotePort: b.localPort, remoteRtcpPort: b.localPort + 1 });
  b.apply({ ...media, remotePort: a.localPort, remoteRtcpPort: a.localPort + 1 });
  const tone = new Int16Array(FRAME_SAMPLES).map((_, i) => Math.round(4000 * Math.sin(i / 3)));
  for (let f = 0; f < frames; f++) {
    clock.advance(f % 2 === 0 ? 15 : 25); // arrivals 5 ms early, then 5 ms late: b's jitter estimate grows above 0
    a.hear(tone);
    await untilTrue(() => b.stats().packetsReceived >= a.stats().packetsSent, `frame ${f} reached b`);
    b.hear(tone);
    await untilTrue(() => a.stats().packetsReceived >= b.stats().packetsSent, `frame ${f} reached a`);
  }
  // Two RTCP rounds, each past the longest interval (1.5 x 5 s): the reports of the second carry LSR/DLSR about the
  // first's sender reports, so each side learns the round trip too.
  for (let round = 0; round < 2; round++) {
    const before = [a.stats().remote, b.stats().remote];
    clock.advance(1.5 * RTCP_INTERVAL_MS + 100);
    await untilTrue(() => a.stats().remote !== before[0] && b.stats().remote !== before[1], `RTCP round ${round + 1} exchanged`);
  }
  return {
    clock,
    a,
    b,
    async close() {
      a.close();
      b.close();
      await Promise.all([a.closed, b.closed]);
    },
  };
}

/** A SIP server's status with no registrations and the given RTP sessions (or none: no `rtpSessions` member). */
export function fakeSip(sessions?: () => RtpSessionStatus[]): SipStatus {
  return {
    counters: { transactions: 0, registrations: 0, authFailures: 0, bans: 0 },
    liveTransactions: 0,
    bindingCount: 0,
    bannedSources: 0,
    registrations: () => [],
    ...(sessions ? { rtpSessions: sessions } : {}),
  };
}
