// SDP offer/answer for one G.711 audio stream (RFC 3264, RFC 4566), parsed and written with sdp-transform.

import sdpTransform from 'sdp-transform';
import { JITTER_MAX_PACKET_MS } from '../../limits.js';
import type { G711Law } from './g711.js';

/** RFC 3551 static payload types of the two G.711 laws. */
export const G711_PAYLOAD_TYPES: Readonly<Record<G711Law, number>> = { PCMU: 0, PCMA: 8 };
/** The dynamic payload type offered for telephone-event (RFC 4733) when none is given. */
export const DEFAULT_TELEPHONE_EVENT_PT = 101;
/** Packet times this layer sends and accepts, in ms: 10 to 60 in steps of 10. */
export const MIN_PTIME_MS = 10;
export const MAX_PTIME_MS = JITTER_MAX_PACKET_MS;
/** Packet time offered and used when the far end names none, in ms. */
export const DEFAULT_PTIME_MS = 20;

/** RFC 3264 stream directions, from the point of view of the side that writes them. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What this side offers or answers with. */
export interface LocalMedia {
  address: string;
  /** RTP port (RTCP is on port + 1). */
  port: number;
  /** The codecs accepted, most preferred first (default PCMU then PCMA). */
  codecs?: G711Law[];
  telephoneEventPayloadType?: number;
  /** The packet time we ask for (a=ptime), in ms. */
  ptimeMs?: number;
  /** What we want to do: sendrecv normally, sendonly to hold the far end, inactive for both. */
  direction?: Direction;
  /** o= session id and version (the version goes up with each new offer of a session). */
  sessionId?: string;
  sessionVersion?: number;
}

/** The outcome of a negotiation: how to send, where to, and what to expect. */
export interface NegotiatedMedia {
  remoteAddress: string;
  remotePort: number;
  remoteRtcpPort: number;
  codec: G711Law;
  payloadType: number;
  /** The far end's telephone-event payload type, when both sides support it. */
  telephoneEventPayloadType?: number;
  /** The packet time to send with (the far end's a=ptime, else DEFAULT_PTIME_MS), in ms. */
  ptimeMs: number;
  /** Our direction after negotiation: whether we send and whether we receive. */
  direction: Direction;
}

/** Why an offer or answer cannot be used; `status` is the SIP response the SIP layer should give. */
export class SdpError extends Error {
  constructor(readonly code: 'malformed' | 'no-audio' | 'no-common-codec', message: string, readonly status = code === 'no-common-codec' ? 488 : 400) {
    super(message);
    this.name = 'SdpError';
  }
}

type Session = sdpTransform.SessionDescription;
type Media = sdpTransform.MediaDescription;

/** An SDP offer of one audio stream. */
export function createOffer(local: LocalMedia): string {
  const codecs = local.codecs ?? ['PCMU', 'PCMA'];
  if (codecs.length === 0) throw new RangeError('an offer needs at least one codec');
  const te = local.telephoneEventPayloadType ?? DEFAULT_TELEPHONE_EVENT_PT;
  return sdpTransform.write(session(local, [audioMedia(local, local.port, codecs, te, local.direction ?? 'sendrecv')]));
}

/**
 * Answers an offer (RFC 3264 §6): the first audio stream the offer lists with a codec in common is accepted with
 * the offer's first codec that we support (the offerer's preference wins), plus telephone-event when offered;
 * every other stream is refused with port 0, in the offer's order. The answer's direction is the offer's reversed,
 * narrowed by ours. Throws SdpError: 'no-common-codec' (488) when no audio stream has a codec in common.
 */
export function answerOffer(offerSdp: string, local: LocalMedia): { sdp: string; media: NegotiatedMedia } {
  const offer = parse(offerSdp);
  const supported = local.codecs ?? ['PCMU', 'PCMA'];
  let chosen: { index: number; media: NegotiatedMedia } | undefined;
  let sawAudio = false;
  offer.media.forEach((m, index) => {
    if (chosen || m.type !== 'audio' || m.port === 0 || !/^RTP\/AVP$/i.test(m.protocol)) return;
    sawAudio = true;
    const codec = firstCommonCodec(m, supported);
    if (codec) chosen = { index, media: negotiated(offer, m, codec, local.direction ?? 'sendrecv', true) };
  });
  if (!chosen) {
    if (!sawAudio) throw new SdpError('no-common-codec', 'the offer has no RTP/AVP audio stream to accept', 488);
    throw new SdpError('no-common-codec', `no codec in common: the offer's audio has none of ${supported.join(', ')}`);
  }
  const accepted = chosen;
  const answerMedia = offer.media.map((m, index) => {
    if (index !== accepted.index) return rejected(m);
    const te = accepted.media.telephoneEventPayloadType;
    return audioMedia(local, local.port, [accepted.media.codec], te, accepted.media.direction);
  });
  return { sdp: sdpTransform.write(session(local, answerMedia)), media: accepted.media };
}

/**
 * Reads the answer to our offer: the codec it chose (which must be one we offered), where to send, the
 * direction. Throws SdpError when the answer refused the stream (port 0), chose no codec of ours, or is malformed.
 */
export function readAnswer(answerSdp: string, offered: LocalMedia): NegotiatedMedia {
  const answer = parse(answerSdp);
  const m = answer.media.find((x) => x.type === 'audio');
  if (!m) throw new SdpError('no-audio', 'the answer has no audio stream');
  if (m.port === 0) throw new SdpError('no-common-codec', 'the answer refused the audio stream (port 0)');
  const codec = firstCommonCodec(m, offered.codecs ?? ['PCMU', 'PCMA']);
  if (!codec) throw new SdpError('no-common-codec', 'the answer chose no codec that was offered');
  return negotiated(answer, m, codec, offered.direction ?? 'sendrecv', false);
}

/** The direction an answer gives a stream offered with `offered`, when the answerer wants `wanted` (RFC 3264 §6.1). */
export function answerDirection(offered: Direction, wanted: Direction): Direction {
  return direction(sends(wanted) && receives(offered), receives(wanted) && sends(offered));
}

function parse(text: string): Session {
  let parsed: Session;
  try {
    parsed = sdpTransform.parse(text);
  } catch (error) {
    throw new SdpError('malformed', `unreadable SDP: ${(error as Error).message}`);
  }
  if (parsed.version !== 0 || !Array.isArray(parsed.media)) throw new SdpError('malformed', 'not an SDP body (no v=0)');
  return parsed;
}

function firstCommonCodec(m: Media, supported: readonly G711Law[]): { law: G711Law; pt: number } | undefined {
  for (const pt of payloadTypes(m)) {
    const map = m.rtp.find((r) => r.payload === pt);
    const name = map ? map.codec.toUpperCase() : pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : '';
    const rate = map?.rate ?? 8000;
    const law = supported.find((c) => c === name);
    if (law && rate === 8000) return { law, pt };
  }
  return undefined;
}

function payloadTypes(m: Media): number[] {
  return String(m.payloads ?? '').split(/\s+/).filter((p) => p !== '').map(Number).filter(Number.isInteger);
}

function telephoneEvent(m: Media): number | undefined {
  const map = m.rtp.find((r) => r.codec.toLowerCase() === 'telephone-event' && (r.rate ?? 8000) === 8000);
  return map && payloadTypes(m).includes(map.payload) ? map.payload : undefined;
}

/** What a received offer (`asAnswerer`) or answer tells us about sending to its writer. */
function negotiated(s: Session, m: Media, codec: { law: G711Law; pt: number }, wanted: Direction, asAnswerer: boolean): NegotiatedMedia {
  const address = m.connection?.ip ?? s.connection?.ip;
  if (!address) throw new SdpError('malformed', 'no connection address (c=) for the audio stream');
  let theirs: Direction = m.direction ?? s.direction ?? 'sendrecv';
  // RFC 3264 §8.4: an old-style hold puts 0.0.0.0 in c=; nothing is to be sent there.
  if (address === '0.0.0.0' && receives(theirs)) theirs = sends(theirs) ? 'sendonly' : 'inactive';
  const ours = asAnswerer ? answerDirection(theirs, wanted) : direction(sends(wanted) && receives(theirs), receives(wanted) && sends(theirs));
  const ptime = m.ptime ?? DEFAULT_PTIME_MS;
  const te = telephoneEvent(m);
  return {
    remoteAddress: address,
    remotePort: m.port,
    remoteRtcpPort: m.rtcp?.port ?? m.port + 1,
    codec: codec.law,
    payloadType: codec.pt,
    ...(te !== undefined ? { telephoneEventPayloadType: te } : {}),
    ptimeMs: Math.min(MAX_PTIME_MS, Math.max(MIN_PTIME_MS, Math.round(ptime / 10) * 10)),
    direction: ours,
  };
}

function session(local: LocalMedia, media: Media[]): Session {
  const ipVer = local.address.includes(':') ? 6 : 4;
  return {
    version: 0,
    origin: { username: '-', sessionId: local.sessionId ?? '0', sessionVersion: local.sessionVersion ?? 0, netType: 'IN', ipVer, address: local.address },
    name: '-',
    connection: { version: ipVer, ip: local.address },
    timing: { start: 0, stop: 0 },
    media,
  };
}

function audioMedia(local: LocalMedia, port: number, codecs: readonly G711Law[], te: number | undefined, dir: Direction): Media {
  const rtp: Media['rtp'] = codecs.map((c) => ({ payload: G711_PAYLOAD_TYPES[c], codec: c, rate: 8000 }));
  const fmtp: Media['fmtp'] = [];
  if (te !== undefined) {
    rtp.push({ payload: te, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: te, config: '0-16' });
  }
  return {
    type: 'audio',
    port,
    protocol: 'RTP/AVP',
    payloads: rtp.map((r) => r.payload).join(' '),
    rtp,
    fmtp,
    ptime: local.ptimeMs ?? DEFAULT_PTIME_MS,
    direction: dir,
  };
}

/** A refused stream in an answer: same type and protocol, port 0, its first format (RFC 3264 §6). */
function rejected(m: Media): Media {
  return { type: m.type, port: 0, protocol: m.protocol, payloads: String(m.payloads ?? '').split(/\s+/)[0] || '0', rtp: [], fmtp: [] };
}

function sends(d: Direction): boolean {
  return d === 'sendrecv' || d === 'sendonly';
}

function receives(d: Direction): boolean {
  return d === 'sendrecv' || d === 'recvonly';
}

function direction(send: boolean, receive: boolean): Direction {
  if (send && receive) return 'sendrecv';
  if (send) return 'sendonly';
  return receive ? 'recvonly' : 'inactive';
}
