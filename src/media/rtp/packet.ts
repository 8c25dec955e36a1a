// RTP fixed header (RFC 3550 §5.1): decode into a reused view without copying the payload, and encode in place.

/** Length of the fixed RTP header, in bytes (no CSRC, no extension). */
export const RTP_HEADER_BYTES = 12;
/** The only RTP version there is (RFC 3550 §5.1). */
export const RTP_VERSION = 2;

/** One decoded RTP packet. `payload` is a view into the datagram it came from: copy what you keep past the call. */
export interface RtpPacket {
  padding: boolean;
  /** The header carried an extension (RFC 3550 §5.3.1); it is skipped, not kept. */
  extension: boolean;
  marker: boolean;
  payloadType: number;
  /** 16-bit sequence number. */
  sequence: number;
  /** 32-bit media timestamp, unsigned. */
  timestamp: number;
  /** 32-bit synchronisation source, unsigned. */
  ssrc: number;
  /** Number of contributing sources listed (0-15); their ids are skipped. */
  csrcCount: number;
  /** The payload, padding removed: a subarray of the datagram, never a copy. */
  payload: Uint8Array;
}

/** A fresh packet object to pass to {@link decodeRtp} again and again (one per receiver, so decoding allocates nothing but the view). */
export function emptyRtpPacket(): RtpPacket {
  return { padding: false, extension: false, marker: false, payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, csrcCount: 0, payload: new Uint8Array(0) };
}

/**
 * Decodes `datagram` into `out`. Returns undefined when it is a valid RTP packet, else the reason it is refused
 * (then `out` is left in an unspecified state). Never throws on malformed input.
 */
export function decodeRtp(datagram: Uint8Array, out: RtpPacket): string | undefined {
  const length = datagram.length;
  if (length < RTP_HEADER_BYTES) return `too short for an RTP header: ${length} bytes`;
  const b0 = datagram[0] as number;
  const b1 = datagram[1] as number;
  if (b0 >> 6 !== RTP_VERSION) return `RTP version ${b0 >> 6}, not 2`;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (offset > length) return `${csrcCount} CSRC entries do not fit in ${length} bytes`;
  const extension = (b0 & 0x10) !== 0;
  if (extension) {
    if (offset + 4 > length) return 'header extension does not fit';
    const words = ((datagram[offset + 2] as number) << 8) | (datagram[offset + 3] as number);
    offset += 4 + words * 4;
    if (offset > length) return `header extension of ${words} words does not fit`;
  }
  let end = length;
  const padding = (b0 & 0x20) !== 0;
  if (padding) {
    const pad = datagram[length - 1] as number;
    if (pad === 0 || offset + pad > length) return `padding of ${pad} bytes is invalid`;
    end -= pad;
  }
  out.padding = padding;
  out.extension = extension;
  out.csrcCount = csrcCount;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequence = ((datagram[2] as number) << 8) | (datagram[3] as number);
  out.timestamp = readUint32(datagram, 4);
  out.ssrc = readUint32(datagram, 8);
  out.payload = datagram.subarray(offset, end);
  return undefined;
}

/** What {@link writeRtpHeader} writes: no padding, no extension, no CSRC. */
export interface RtpHeaderFields {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

/** Writes a 12-byte header into `buf` at `offset` (a send buffer reused per packet); returns the header length. */
export function writeRtpHeader(buf: Uint8Array, fields: RtpHeaderFields, offset = 0): number {
  buf[offset] = RTP_VERSION << 6;
  buf[offset + 1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  buf[offset + 2] = (fields.sequence >> 8) & 0xff;
  buf[offset + 3] = fields.sequence & 0xff;
  writeUint32(buf, offset + 4, fields.timestamp);
  writeUint32(buf, offset + 8, fields.ssrc);
  return RTP_HEADER_BYTES;
}

/** Whether a datagram on a shared port is RTCP rather than RTP (RFC 5761 §4: packet types 192-223 in the second byte). */
export function looksLikeRtcp(datagram: Uint8Array): boolean {
  const pt = datagram.length >= 2 ? (datagram[1] as number) : 0;
  return pt >= 192 && pt <= 223;
}

/** Big-endian unsigned 32-bit read. */
export function readUint32(buf: Uint8Array, offset: number): number {
  return (((buf[offset] as number) << 24) | ((buf[offset + 1] as number) << 16) | ((buf[offset + 2] as number) << 8) | (buf[offset + 3] as number)) >>> 0;
}

/** Big-endian unsigned 32-bit write (the value is taken modulo 2^32). */
export function writeUint32(buf: Uint8Array, offset: number, value: number): void {
  const v = value >>> 0;
  buf[offset] = v >>> 24;
  buf[offset + 1] = (v >>> 16) & 0xff;
  buf[offset + 2] = (v >>> 8) & 0xff;
  buf[offset + 3] = v & 0xff;
}
