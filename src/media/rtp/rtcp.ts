// RTCP (RFC 3550 §6): sender and receiver reports with SDES CNAME and BYE, their parser, and the session's figures.

import { readUint32, writeUint32 } from './packet.js';
import type { ReceptionStats } from './reception.js';

/** RTCP packet types (RFC 3550 §12.1). */
export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;
/** Longest CNAME sent, in bytes (an SDES item length is one byte). */
const MAX_CNAME_BYTES = 255;

/** One reception report block (RFC 3550 §6.4.1). */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, 8-bit fixed point (0-255 = 0 to 255/256). */
  fractionLost: number;
  /** Cumulative packets lost, a signed 24-bit value. */
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** Interarrival jitter, in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP time of the last SR received from that source (0: none). */
  lastSr: number;
  /** Delay since that SR, in 1/65536 s. */
  delaySinceLastSr: number;
}

/** A parsed RTCP packet of a compound datagram. */
export type RtcpPacket =
  | { type: 'SR'; ssrc: number; ntpMiddle: number; rtpTimestamp: number; packets: number; octets: number; reports: ReportBlock[] }
  | { type: 'RR'; ssrc: number; reports: ReportBlock[] }
  | { type: 'BYE'; ssrcs: number[] }
  | { type: 'other'; packetType: number };

/** The 64-bit NTP timestamp of `ms` (Unix milliseconds) as its two 32-bit halves. */
export function ntpTime(ms: number): { seconds: number; fraction: number } {
  const total = ms / 1000 + NTP_UNIX_OFFSET_SECONDS;
  const seconds = Math.floor(total);
  return { seconds: seconds >>> 0, fraction: Math.floor((total - seconds) * 2 ** 32) >>> 0 };
}

/** The middle 32 bits of the NTP timestamp of `ms` (the LSR unit: 1/65536 s). */
export function ntpMiddle(ms: number): number {
  const { seconds, fraction } = ntpTime(ms);
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** What goes into a report: a sender report when `sender` is given, else a receiver report. */
export interface ReportContent {
  ssrc: number;
  cname: string;
  nowMs: number;
  sender?: { rtpTimestamp: number; packets: number; octets: number };
  reports: ReportBlock[];
  /** Append a BYE (the session is closing). */
  bye?: boolean;
}

/** A compound RTCP datagram: SR or RR, then SDES with the CNAME (RFC 3550 §6.1), then BYE when asked. */
export function buildRtcp(content: ReportContent): Uint8Array {
  const cname = new TextEncoder().encode(content.cname).subarray(0, MAX_CNAME_BYTES);
  const reports = content.reports.slice(0, 31);
  const reportBytes = (content.sender ? 28 : 8) + reports.length * 24;
  const sdesBytes = Math.ceil((8 + 2 + cname.length + 1) / 4) * 4;
  const out = new Uint8Array(reportBytes + sdesBytes + (content.bye ? 8 : 0));
  header(out, 0, reports.length, content.sender ? RTCP_SR : RTCP_RR, reportBytes);
  writeUint32(out, 4, content.ssrc);
  let at = 8;
  if (content.sender) {
    const { seconds, fraction } = ntpTime(content.nowMs);
    writeUint32(out, 8, seconds);
    writeUint32(out, 12, fraction);
    writeUint32(out, 16, content.sender.rtpTimestamp);
    writeUint32(out, 20, content.sender.packets);
    writeUint32(out, 24, content.sender.octets);
    at = 28;
  }
  for (const block of reports) at = writeBlock(out, at, block);
  header(out, at, 1, RTCP_SDES, sdesBytes);
  writeUint32(out, at + 4, content.ssrc);
  out[at + 8] = 1; // CNAME; the zero padding after it ends the item list
  out[at + 9] = cname.length;
  out.set(cname, at + 10);
  at += sdesBytes;
  if (content.bye) {
    header(out, at, 1, RTCP_BYE, 8);
    writeUint32(out, at + 4, content.ssrc);
  }
  return out;
}

/** Parses a compound RTCP datagram; returns the reason when it is malformed (never throws). */
export function parseRtcp(datagram: Uint8Array): RtcpPacket[] | string {
  const packets: RtcpPacket[] = [];
  let at = 0;
  while (at < datagram.length) {
    if (datagram.length - at < 4) return `truncated RTCP header at byte ${at}`;
    const b0 = datagram[at] as number;
    if (b0 >> 6 !== 2) return `RTCP version ${b0 >> 6}, not 2`;
    const count = b0 & 0x1f;
    const type = datagram[at + 1] as number;
    const length = ((((datagram[at + 2] as number) << 8) | (datagram[at + 3] as number)) + 1) * 4;
    if (at + length > datagram.length) return `RTCP packet of ${length} bytes does not fit`;
    const body = datagram.subarray(at, at + length);
    const packet = parseOne(type, count, body);
    if (typeof packet === 'string') return packet;
    packets.push(packet);
    at += length;
  }
  if (packets.length === 0) return 'empty RTCP datagram';
  return packets;
}

function parseOne(type: number, count: number, body: Uint8Array): RtcpPacket | string {
  if (type === RTCP_SR || type === RTCP_RR) {
    const first = type === RTCP_SR ? 28 : 8;
    if (body.length < first + count * 24) return `${count} report blocks do not fit`;
    const reports: ReportBlock[] = [];
    for (let i = 0; i < count; i++) reports.push(readBlock(body, first + i * 24));
    const ssrc = readUint32(body, 4);
    if (type === RTCP_RR) return { type: 'RR', ssrc, reports };
    const ntp = ((readUint32(body, 8) & 0xffff) << 16 | (readUint32(body, 12) >>> 16)) >>> 0;
    return { type: 'SR', ssrc, ntpMiddle: ntp, rtpTimestamp: readUint32(body, 16), packets: readUint32(body, 20), octets: readUint32(body, 24), reports };
  }
  if (type === RTCP_BYE) {
    if (body.length < 4 + count * 4) return `${count} BYE sources do not fit`;
    const ssrcs: number[] = [];
    for (let i = 0; i < count; i++) ssrcs.push(readUint32(body, 4 + i * 4));
    return { type: 'BYE', ssrcs };
  }
  return { type: 'other', packetType: type };
}

function header(out: Uint8Array, at: number, count: number, type: number, bytes: number): void {
  out[at] = 0x80 | count;
  out[at + 1] = type;
  const words = bytes / 4 - 1;
  out[at + 2] = words >> 8;
  out[at + 3] = words & 0xff;
}

function writeBlock(out: Uint8Array, at: number, b: ReportBlock): number {
  writeUint32(out, at, b.ssrc);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, b.cumulativeLost)) & 0xffffff;
  writeUint32(out, at + 4, ((b.fractionLost & 0xff) << 24) | lost);
  writeUint32(out, at + 8, b.extendedHighestSeq);
  writeUint32(out, at + 12, Math.round(b.jitter));
  writeUint32(out, at + 16, b.lastSr);
  writeUint32(out, at + 20, b.delaySinceLastSr);
  return at + 24;
}

function readBlock(body: Uint8Array, at: number): ReportBlock {
  const word = readUint32(body, at + 4);
  const lost = word & 0xffffff;
  return {
    ssrc: readUint32(body, at),
    fractionLost: word >>> 24,
    cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
    extendedHighestSeq: readUint32(body, at + 8),
    jitter: readUint32(body, at + 12),
    lastSr: readUint32(body, at + 16),
    delaySinceLastSr: readUint32(body, at + 20),
  };
}

/** A snapshot of one RTP session's figures, for /metrics and /sim. */
export interface RtpStats {
  packetsSent: number;
  octetsSent: number;
  packetsReceived: number;
  /** Packets lost in what we receive (RFC 3550 cumulative loss). */
  packetsLost: number;
  /** Share of what we receive that was lost, 0-1, over the last report interval. */
  fractionLost: number;
  /** Interarrival jitter of what we receive, in ms. */
  jitterMs: number;
  /** What the far end last reported about our stream, when it has. */
  remote?: { fractionLost: number; packetsLost: number; jitterMs: number; roundTripMs?: number };
  /** PBX time (ms) the far end's latest sender report arrived; absent until one has. */
  lastSrReceivedMs?: number;
  /** PBX time (ms) the far end's latest report block about our stream arrived (in an SR or RR); absent until one has. */
  lastRrReceivedMs?: number;
}

/**
 * The RTCP side of one session: counts what is sent, remembers the far end's last SR (for LSR/DLSR) and its
 * reports about us, and builds the next report.
 */
export class RtcpState {
  packetsSent = 0;
  octetsSent = 0;
  private lastSrMiddle = 0;
  private lastSrArrivalMs = 0;
  private lastFractionLost = 0;
  private lastReportArrivalMs: number | undefined;
  private remote: RtpStats['remote'];

  constructor(private readonly ssrc: number, private readonly cname: string, private readonly clockRateHz = 8000) {}

  /** Counts one RTP packet sent with `payloadBytes` of payload (octets count payload only, §6.4.1). */
  sent(payloadBytes: number): void {
    this.packetsSent++;
    this.octetsSent += payloadBytes;
  }

  /** Takes in a received compound packet; returns the SSRCs that said BYE. */
  received(packets: RtcpPacket[], nowMs: number): number[] {
    const byes: number[] = [];
    for (const p of packets) {
      if (p.type === 'SR') {
        this.lastSrMiddle = p.ntpMiddle;
        this.lastSrArrivalMs = nowMs;
      }
      if (p.type === 'SR' || p.type === 'RR') {
        const about = p.reports.find((r) => r.ssrc === this.ssrc);
        if (about) {
          this.remote = this.remoteFigures(about, nowMs);
          this.lastReportArrivalMs = nowMs;
        }
      }
      if (p.type === 'BYE') byes.push(...p.ssrcs);
    }
    return byes;
  }

  /** The next report: SR once we have sent media (else RR), with a block about `source` once it has been heard. */
  report(nowMs: number, rtpTimestamp: number, source: { ssrc: number; reception: ReceptionStats } | undefined, bye = false): Uint8Array {
    const reports: ReportBlock[] = [];
    if (source && source.reception.received > 0) {
      const r = source.reception;
      this.lastFractionLost = r.takeFractionLost();
      reports.push({
        ssrc: source.ssrc,
        fractionLost: this.lastFractionLost,
        cumulativeLost: r.cumulativeLost,
        extendedHighestSeq: r.extendedHighestSeq,
        jitter: r.jitterUnits,
        lastSr: this.lastSrMiddle,
        delaySinceLastSr: this.lastSrMiddle === 0 ? 0 : Math.round(((nowMs - this.lastSrArrivalMs) * 65536) / 1000),
      });
    }
    const sender = this.packetsSent > 0 ? { rtpTimestamp, packets: this.packetsSent, octets: this.octetsSent } : undefined;
    return buildRtcp({ ssrc: this.ssrc, cname: this.cname, nowMs, reports, bye, ...(sender ? { sender } : {}) });
  }

  /** The figures for /metrics: ours as sender, the reception of `reception`, and the far end's view when known. */
  stats(reception: ReceptionStats | undefined): RtpStats {
    return {
      packetsSent: this.packetsSent,
      octetsSent: this.octetsSent,
      packetsReceived: reception?.received ?? 0,
      packetsLost: Math.max(0, reception?.cumulativeLost ?? 0),
      fractionLost: this.lastFractionLost / 256,
      jitterMs: reception?.jitterMs ?? 0,
      ...(this.remote ? { remote: this.remote } : {}),
      ...(this.lastSrMiddle === 0 ? {} : { lastSrReceivedMs: this.lastSrArrivalMs }),
      ...(this.lastReportArrivalMs === undefined ? {} : { lastRrReceivedMs: this.lastReportArrivalMs }),
    };
  }

  private remoteFigures(block: ReportBlock, nowMs: number): NonNullable<RtpStats['remote']> {
    const figures: NonNullable<RtpStats['remote']> = {
      fractionLost: block.fractionLost / 256,
      packetsLost: block.cumulativeLost,
      jitterMs: (block.jitter * 1000) / this.clockRateHz,
    };
    if (block.lastSr !== 0) {
      // RFC 3550 §6.4.1: round trip = arrival - LSR - DLSR, all in 1/65536 s.
      const rtt = (ntpMiddle(nowMs) - block.lastSr - block.delaySinceLastSr) >>> 0;
      if (rtt < 0x80000000) figures.roundTripMs = (rtt * 1000) / 65536;
    }
    return figures;
  }
}
