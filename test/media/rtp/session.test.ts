// Tests of RtpSession and its port pool over real loopback UDP: audio and digits cross, hold, symmetric RTP, RTCP, close.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { afterEach, describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { FRAME_SAMPLES } from '../../../src/media/format.js';
import { RTP_MAX_QUEUED_DIGITS } from '../../../src/limits.js';
import { PortsExhaustedError, RtpPortPool } from '../../../src/media/rtp/port-pool.js';
import type { NegotiatedMedia } from '../../../src/media/rtp/sdp.js';
import { RtpSession } from '../../../src/media/rtp/session.js';
import { prng } from '../helpers.js';

/** Yields to the event loop (no timers, no sleeping) until `condition` holds: UDP datagrams arrive meanwhile. */
async function until(condition: () => boolean, what: string, maxTurns = 200_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting until ${what}`);
}

function udpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
}

/** A port range of its own per test file run, away from the default range other tests may use. */
const BASE_PORT = 36000 + 2 * Math.floor(prng(process.pid)() * 500);
const open: RtpSession[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) {
    s.close();
    await s.closed;
  }
});

async function pairOfSessions(clock: ManualClock, overrides: { a?: Partial<NegotiatedMedia>; b?: Partial<NegotiatedMedia> } = {}) {
  const pool = new RtpPortPool({ address: '127.0.0.1', minPort: BASE_PORT, maxPort: BASE_PORT + 999 });
  const a = await RtpSession.open({ pool, clock, random: prng(1) });
  const b = await RtpSession.open({ pool, clock, random: prng(2) });
  open.push(a, b);
  const base = { remoteAddress: '127.0.0.1', codec: 'PCMU', payloadType: 0, telephoneEventPayloadType: 101, ptimeMs: 20, direction: 'sendrecv' } as const;
  a.apply({ ...base, remotePort: b.localPort, remoteRtcpPort: b.localPort + 1, ...overrides.a });
  b.apply({ ...base, remotePort: a.localPort, remoteRtcpPort: a.localPort + 1, ...overrides.b });
  return { pool, a, b };
}

/** A chirp from 300 to 3000 Hz at about -10 dBm0: no two lags of it look alike. */
function chirp(n: number): Int16Array {
  const out = new Int16Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    phase += (2 * Math.PI * (300 + (2700 * i) / n)) / 8000;
    out[i] = Math.round(7000 * Math.sin(phase));
  }
  return out;
}

/** Best normalised cross-correlation of `x` inside `y` over lags 0..maxLag, and that lag. */
function bestCorrelation(x: Int16Array, y: Int16Array, maxLag: number): { r: number; lag: number } {
  let best = { r: -1, lag: -1 };
  for (let lag = 0; lag <= maxLag && lag + x.length <= y.length; lag++) {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = 0; i < x.length; i++) {
      const a = x[i] as number;
      const b = y[lag + i] as number;
      xy += a * b;
      xx += a * a;
      yy += b * b;
    }
    const r = xy / Math.sqrt(xx * yy || 1);
    if (r > best.r) best = { r, lag };
  }
  return best;
}

/** Runs `frames` ticks: each side hears its input, the datagrams cross, each side produces what it got. */
async function exchange(clock: ManualClock, a: RtpSession, b: RtpSession, input: Int16Array, frames: number): Promise<Int16Array> {
  const heard = new Int16Array(frames * FRAME_SAMPLES);
  const silence = new Int16Array(FRAME_SAMPLES);
  const out = new Int16Array(FRAME_SAMPLES);
  for (let f = 0; f < frames; f++) {
    clock.advance(20);
    const frame = input.subarray(f * FRAME_SAMPLES, (f + 1) * FRAME_SAMPLES);
    a.hear(frame.length === FRAME_SAMPLES ? frame : silence);
    await until(() => b.stats().packetsReceived >= a.stats().packetsSent, `frame ${f} reached b`);
    b.hear(silence);
    await until(() => a.stats().packetsReceived >= b.stats().packetsSent, `frame ${f} reached a`);
    b.produce(out);
    heard.set(out, f * FRAME_SAMPLES);
    a.produce(out);
  }
  return heard;
}

describe('RtpPortPool', () => {
  test('even ports for RTP and the next for RTCP, ports in use by others skipped, bounded, released on close', async () => {
    const base = BASE_PORT + 1000;
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(base + 1, '127.0.0.1', resolve)); // takes the RTCP port of the first pair
    const pool = new RtpPortPool({ address: '127.0.0.1', minPort: base, maxPort: base + 5 });
    assert.equal(pool.capacity, 3);
    const first = await pool.allocate();
    const second = await pool.allocate();
    assert.deepEqual([first.port, second.port], [base + 2, base + 4]);
    assert.equal(first.rtcp.address().port, base + 3);
    await assert.rejects(pool.allocate(), PortsExhaustedError);
    await pool.release(first);
    assert.equal(pool.inUse, 1);
    const again = await pool.allocate();
    assert.equal(again.port, base + 2);
    await new Promise<void>((resolve) => squatter.close(resolve));
    const third = await pool.allocate();
    assert.equal(third.port, base);
    assert.equal(pool.inUse, 3);
    for (const pair of [again, second, third]) await pool.release(pair);
    assert.throws(() => new RtpPortPool({ minPort: 80, maxPort: 90 }), RangeError);
  });
});

describe('RtpSession over loopback', () => {
  test('a chirp sent by one side comes out of the other (correlation above 0.95), packet counts agree', async () => {
    const clock = new ManualClock();
    const { a, b } = await pairOfSessions(clock);
    const input = chirp(8000);
    const heard = await exchange(clock, a, b, input, 60);
    const { r, lag } = bestCorrelation(input.subarray(800, 4800), heard, 2400);
    assert.ok(r > 0.95, `correlation ${r.toFixed(3)} at lag ${lag}`);
    assert.ok(lag - 800 >= 0 && lag - 800 <= 100 * 8, `delay ${(lag - 800) / 8} ms`);
    assert.equal(b.stats().packetsReceived, 60);
    assert.equal(a.stats().packetsSent, 60);
    assert.equal(a.stats().octetsSent, 60 * 160);
    assert.equal(b.stats().packetsLost, 0);
  });

  test('PCMA with a 30 ms ptime: packets of 240 samples, the audio still crosses', async () => {
    const clock = new ManualClock();
    const { a, b } = await pairOfSessions(clock, { a: { codec: 'PCMA', payloadType: 8, ptimeMs: 30 }, b: { codec: 'PCMA', payloadType: 8, ptimeMs: 30 } });
    const input = chirp(8000);
    const heard = await exchange(clock, a, b, input, 60);
    assert.equal(a.stats().packetsSent, 40);
    assert.equal(a.stats().octetsSent, 40 * 240);
    assert.ok(bestCorrelation(input.subarray(800, 4800), heard, 2400).r > 0.95);
  });

  test('a digit crosses as RFC 4733 events and is reported once', async () => {
    const clock = new ManualClock();
    const { a, b } = await pairOfSessions(clock);
    const digits: string[] = [];
    b.onDigit = (d) => digits.push(d);
    assert.equal(a.sendDigit('5'), true);
    assert.equal(a.sendDigit('#'), true);
    for (let t = 0; t < 20; t++) {
      clock.advance(20);
      await until(() => b.stats().ignoredPackets + b.stats().invalidPackets === 0, 'nothing refused');
    }
    await until(() => digits.length === 2, 'two digits arrived');
    assert.deepEqual(digits, ['5', '#']);
    assert.equal(a.stats().packetsSent, 10, 'two events of five packets each');
    assert.throws(() => a.sendDigit('x'), RangeError);
  });

  test('event packets take their place in the sequence: audio, a digit, audio again reads no loss; octets and report times are counted', async () => {
    const clock = new ManualClock();
    const { a, b } = await pairOfSessions(clock);
    await exchange(clock, a, b, chirp(4000), 20);
    assert.equal(a.sendDigit('7'), true);
    await exchange(clock, a, b, new Int16Array(10 * FRAME_SAMPLES), 10); // the digit's five packets go out meanwhile
    await exchange(clock, a, b, chirp(4000), 20);
    await until(() => b.stats().digitsReceived === 1, 'the digit arrived');
    const stats = b.stats();
    assert.equal(stats.packetsLost, 0, 'the digit packets are not lost audio');
    assert.equal(stats.packetsReceived, a.stats().packetsSent, 'every packet sent was received and counted');
    assert.equal(stats.octetsReceived, (a.stats().packetsSent - 5) * 160, 'audio payload octets only');
    assert.equal(stats.lastSrReceivedMs, undefined, 'no sender report yet');
    clock.advance(7600);
    await until(() => b.stats().lastSrReceivedMs !== undefined && a.stats().lastRrReceivedMs !== undefined, 'reports exchanged');
    assert.equal(b.negotiated?.codec, 'PCMU');
    assert.equal(b.currentDirection, 'sendrecv');
  });

  test('digits queue behind the one being sent up to RTP_MAX_QUEUED_DIGITS; one more is refused', async () => {
    const clock = new ManualClock();
    const { a } = await pairOfSessions(clock);
    for (let i = 0; i <= RTP_MAX_QUEUED_DIGITS; i++) assert.equal(a.sendDigit('1'), true, `digit ${i}`);
    assert.equal(a.sendDigit('2'), false);
  });

  test('on hold (sendonly / inactive) nothing is sent that should not be, and nothing is played', async () => {
    const clock = new ManualClock();
    const { a, b } = await pairOfSessions(clock);
    a.setDirection('recvonly');
    b.setDirection('inactive');
    assert.equal(b.producing, false);
    const tone = chirp(1600);
    for (let f = 0; f < 10; f++) {
      a.hear(tone.subarray(f * 160, f * 160 + 160));
      b.hear(tone.subarray(f * 160, f * 160 + 160));
    }
    assert.equal(a.stats().packetsSent, 0);
    assert.equal(b.stats().packetsSent, 0);
    assert.equal(a.sendDigit('1'), false);
    b.setDirection('sendrecv');
    assert.equal(b.producing, true);
    b.hear(tone.subarray(0, 160));
    assert.equal(b.stats().packetsSent, 1);
  });

  test('symmetric RTP: a side told the wrong port answers where the packets come from', async () => {
    const clock = new ManualClock();
    const { a, b } = await pairOfSessions(clock, { b: { remotePort: 9, remoteRtcpPort: 10 } }); // b's SDP address is stale
    const heard = await exchange(clock, a, b, chirp(8000), 30);
    assert.ok(a.stats().packetsReceived >= 29, `a received ${a.stats().packetsReceived} of b's packets`);
    assert.ok(heard.some((v) => v !== 0));
  });

  test('RTCP reports cross: each side learns what the other received', async () => {
    const clock = new ManualClock();
    const { a, b } = await pairOfSessions(clock);
    await exchange(clock, a, b, chirp(8000), 50);
    clock.advance(7600); // past the longest first interval (1.5 × 5 s)
    await until(() => a.stats().remote !== undefined && b.stats().remote !== undefined, 'reports exchanged');
    assert.equal(a.stats().remote?.packetsLost, 0);
    assert.ok((a.stats().remote?.jitterMs ?? -1) >= 0);
  });

  test('close sends BYE, closes both sockets and returns the ports; a closed session ignores calls', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    const before = udpHandles();
    const clock = new ManualClock();
    const { pool, a, b } = await pairOfSessions(clock);
    assert.equal(udpHandles(), before + 4);
    const port = a.localPort;
    open.length = 0;
    a.close();
    await until(() => b.stats().byeReceived, 'b heard the BYE');
    b.close();
    await Promise.all([a.closed, b.closed]);
    // The sockets' handles are freed by libuv on its next turn after their close callbacks.
    await until(() => udpHandles() === before, 'every UDP handle is gone', 1000);
    assert.equal(pool.inUse, 0);
    const probe = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => probe.close(resolve));
    a.hear(new Int16Array(FRAME_SAMPLES));
    assert.equal(a.produce(new Int16Array(FRAME_SAMPLES)), false);
    assert.equal(a.producing, false);
    a.close();
  });
});
