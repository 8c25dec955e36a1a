// What the API reads of the SIP server (counters for /metrics, registrations for /sim), declared here so the API needs no SIP imports.

export interface SipStatus {
  readonly counters: { transactions: number; registrations: number; authFailures: number; bans: number };
  readonly liveTransactions: number;
  readonly bindingCount: number;
  readonly bannedSources: number;
  registrations(): Array<{ extension: string; aor: string; contact: string; userAgent: string; source: string; expiresInSeconds: number }>;
  /** The RTP sessions of SIP legs alive now, for /metrics and /sim (absent: the server runs none). */
  rtpSessions?(): RtpSessionStatus[];
  /** SIP trunks and their registrations to the providers (absent: no trunks are run). */
  trunks?(): TrunkStatusView[];
}

/** One SIP trunk as /sim and /metrics read it (the shape of TrunkRegistrations.status()). */
export interface TrunkStatusView {
  trunk: string;
  name: string;
  provider: string;
  mode: 'register' | 'peer';
  registration: {
    state: 'unregistered' | 'registering' | 'registered' | 'failed';
    lastStatus: number | null;
    lastReason: string | null;
    expiresInSeconds: number | null;
    nextAttemptInSeconds: number | null;
    registrations: number;
    failures: number;
  } | null;
}

/** One live RTP session of a participant, as the SIP server reports it. */
export interface RtpSessionStatus {
  participantId: number;
  dn: string;
  deviceId: string;
  stats: RtpSessionFigures;
  /** Where and how the stream runs, when the server tells (the /sim view shows null otherwise). */
  media?: RtpMediaStatus;
}

/** The negotiated stream of a session: our socket, the far end's (latched) address, codec and packet time. */
export interface RtpMediaStatus {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** `PCMU` or `PCMA`. */
  codec: string;
  ptimeMs: number;
  /** Our direction: sendrecv, sendonly, recvonly or inactive. */
  direction: string;
}

/**
 * The figures of one session that /metrics and /sim read: the structural part of RtpSessionStats
 * (src/media/rtp/session.ts), so a session's `stats()` fits as is. The optional members are read when present.
 */
export interface RtpSessionFigures {
  packetsSent: number;
  /** Payload octets sent (RTP headers not counted, as RTCP counts them). */
  octetsSent: number;
  packetsReceived: number;
  /** Payload octets received, when the session counts them. */
  octetsReceived?: number;
  /** Cumulative packets lost in what we receive. */
  packetsLost: number;
  /** Share of what we receive that was lost over the last report interval, 0-1. */
  fractionLost: number;
  /** Interarrival jitter of what we receive, in ms. */
  jitterMs: number;
  /** What the far end's last SR or RR block said about our stream. */
  remote?: { fractionLost: number; packetsLost: number; jitterMs: number; roundTripMs?: number };
  /** PBX time (Unix ms) the far end's latest sender report arrived, when the session keeps it. */
  lastSrReceivedMs?: number;
  /** PBX time (Unix ms) the far end's latest report block about our stream (in an SR or RR) arrived, when kept. */
  lastRrReceivedMs?: number;
  invalidPackets: number;
  ignoredPackets: number;
  digitsReceived: number;
  byeReceived: boolean;
  jitterBuffer: {
    accepted: number;
    late: number;
    duplicates: number;
    refused: number;
    concealedFrames: number;
    underruns: number;
    overflowDroppedFrames: number;
    shrinkDroppedFrames: number;
    stretchedFrames: number;
    ssrcChanges: number;
  };
}
