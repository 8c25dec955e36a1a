// RTP figures on /sim: the `rtp` object of a participant with an RTP session, and GET /sim/sip/rtp listing every session.

import { Type } from 'typebox';
import type { ApiInstance } from '../api/context.js';
import type { RtpSessionStatus, SipStatus } from '../api/sip-status.js';
import { SIM_DOC, SimErrorSchema, SimRtpSessionSchema, type SimRtp } from './schemas.js';

/** The RTP view of a participant by id, or undefined when it has no RTP session. */
export type RtpLookup = (participantId: number) => SimRtp | undefined;

/** No participant has an RTP session (no SIP server, or one that runs none). */
export const NO_RTP: RtpLookup = () => undefined;

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** The /sim view of one session's figures. */
export function toSimRtp(session: RtpSessionStatus): SimRtp {
  const { stats, media } = session;
  const remote = stats.remote;
  return {
    local: media ? { address: media.localAddress, port: media.localPort } : null,
    remote: media ? { address: media.remoteAddress, port: media.remotePort } : null,
    codec: media?.codec ?? null,
    ptimeMs: media?.ptimeMs ?? null,
    direction: media?.direction ?? null,
    packetsSent: stats.packetsSent,
    payloadBytesSent: stats.octetsSent,
    packetsReceived: stats.packetsReceived,
    payloadBytesReceived: stats.octetsReceived ?? null,
    packetsLost: stats.packetsLost,
    fractionLost: stats.fractionLost,
    jitterMs: stats.jitterMs,
    farEnd: remote ? { fractionLost: remote.fractionLost, packetsLost: remote.packetsLost, jitterMs: remote.jitterMs, roundTripMs: remote.roundTripMs ?? null } : null,
    rtcp: { lastSrReceivedAt: iso(stats.lastSrReceivedMs), lastRrReceivedAt: iso(stats.lastRrReceivedMs) },
    invalidPackets: stats.invalidPackets,
    ignoredPackets: stats.ignoredPackets,
    digitsReceived: stats.digitsReceived,
    byeReceived: stats.byeReceived,
    jitterBuffer: { ...stats.jitterBuffer },
  };
}

/** Reads the SIP server's sessions once and answers by participant id (for one response's participant views). */
export function rtpLookup(sip: SipStatus | undefined): RtpLookup {
  if (!sip?.rtpSessions) return NO_RTP;
  const sessions = sip.rtpSessions();
  if (sessions.length === 0) return NO_RTP;
  const byParticipant = new Map(sessions.map((session) => [session.participantId, session]));
  return (participantId) => {
    const session = byParticipant.get(participantId);
    return session ? toSimRtp(session) : undefined;
  };
}

/** GET /sim/sip/rtp: every RTP session alive now, with its participant (empty when SIP is off or runs none). */
export function registerRtpRoute(app: ApiInstance, sip: SipStatus | undefined): void {
  app.get(
    '/sip/rtp',
    { schema: { ...SIM_DOC, operationId: 'simListRtpSessions', summary: 'RTP sessions of SIP legs alive now, with their figures (empty when SIP is off)', response: { 200: Type.Array(SimRtpSessionSchema), 401: SimErrorSchema } } },
    async () => (sip?.rtpSessions?.() ?? []).map((session) => ({ participantId: session.participantId, dn: session.dn, deviceId: session.deviceId, rtp: toSimRtp(session) })),
  );
}
