// Cuts a byte stream (TCP, TLS) into SIP messages by Content-Length (RFC 3261 §18.3), with RFC 5626 CRLF keep-alives and a bounded buffer.

import { SipParseError } from './errors.js';
import { MAX_SIP_HEADER_SECTION_BYTES, MAX_SIP_MESSAGE_BYTES, MAX_SIP_STREAM_BUFFER_BYTES } from './limits.js';
import { findHeaderEnd, parseContentLength } from './parser.js';

export type FrameEvent =
  /** A whole message's bytes, ready for parseMessage(bytes, { stream: true }). */
  | { kind: 'message'; bytes: Buffer }
  /** A double-CRLF ping (RFC 5626 §3.5.1); the receiver answers with a single CRLF pong. */
  | { kind: 'ping' }
  /** The stream cannot be resynchronised (no Content-Length framing possible, or over a bound): close it. */
  | { kind: 'fatal'; error: SipParseError };

/** Feed it chunks as they arrive; it returns whatever complete events they finished. After a fatal event it refuses more input. */
export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private failed = false;

  /** Bytes held waiting for the rest of a message. */
  get bufferedBytes(): number {
    return this.buffer.length;
  }

  push(chunk: Buffer): FrameEvent[] {
    if (this.failed) return [];
    if (this.buffer.length + chunk.length > MAX_SIP_STREAM_BUFFER_BYTES) return this.fatal(new SipParseError('TOO_LARGE', 'stream buffer limit reached', 413));
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const events: FrameEvent[] = [];
    for (;;) {
      const event = this.next();
      if (!event) break;
      events.push(event);
      if (event.kind === 'fatal') break;
    }
    return events;
  }

  private next(): FrameEvent | undefined {
    const ping = this.leadingBlankLines();
    if (ping) return ping;
    if (this.buffer.length === 0) return undefined;
    const end = findHeaderEnd(this.buffer);
    if (!end) {
      if (this.buffer.length > MAX_SIP_HEADER_SECTION_BYTES) return this.fatal(new SipParseError('TOO_LARGE', 'header section too large', 413))[0];
      return undefined;
    }
    let length = 0;
    try {
      const raw = contentLengthIn(this.buffer.toString('latin1', 0, end.headerEnd));
      length = raw === undefined ? 0 : parseContentLength(raw);
    } catch (err) {
      return this.fatal(err instanceof SipParseError ? err : new SipParseError('BAD_CONTENT_LENGTH', 'bad Content-Length'))[0];
    }
    const total = end.bodyStart + length;
    if (total > MAX_SIP_MESSAGE_BYTES) return this.fatal(new SipParseError('TOO_LARGE', 'message too large', 413))[0];
    if (this.buffer.length < total) return undefined;
    const bytes = Buffer.from(this.buffer.subarray(0, total));
    this.buffer = this.buffer.subarray(total);
    return { kind: 'message', bytes };
  }

  /** Consumes CRLFs between messages; a CRLFCRLF there is a keep-alive ping. */
  private leadingBlankLines(): FrameEvent | undefined {
    if (this.buffer.length === 0 || (this.buffer[0] !== 0x0d && this.buffer[0] !== 0x0a)) return undefined;
    if (this.buffer.length >= 4 && this.buffer.toString('latin1', 0, 4) === '\r\n\r\n') {
      this.buffer = this.buffer.subarray(4);
      return { kind: 'ping' };
    }
    let i = 0;
    while (i < this.buffer.length && (this.buffer[i] === 0x0d || this.buffer[i] === 0x0a)) i++;
    // Wait for more bytes when the blank run might still grow into a ping.
    if (i === this.buffer.length && i < 4 && this.buffer.toString('latin1') === '\r\n\r\n'.slice(0, i)) return undefined;
    this.buffer = this.buffer.subarray(i);
    return this.next();
  }

  private fatal(error: SipParseError): FrameEvent[] {
    this.failed = true;
    this.buffer = Buffer.alloc(0);
    return [{ kind: 'fatal', error }];
  }
}

/** The raw Content-Length value among the header lines (long or compact form, folded or not), if present. */
function contentLengthIn(head: string): string | undefined {
  const m = /\r?\n(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/i.exec(head);
  return m?.[1]?.replace(/\r?\n/g, ' ');
}
