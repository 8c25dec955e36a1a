// Writes a SIP message as bytes: start line, one header line per value, Content-Length set to the body's length.

import { MAX_SIP_HEADER_LINES } from './limits.js';
import type { SipMessage } from './message.js';
import { formatUri } from './uri.js';

/**
 * Serializes `msg`. Content-Length always states the body's real length (replacing a wrong one, added when
 * absent), so the bytes frame correctly on stream transports. Header values are written as stored.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  const startLine = msg.type === 'request' ? `${msg.method} ${formatUri(msg.uri)} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  const lines = [startLine];
  let wroteLength = false;
  for (const field of msg.headers) {
    if (field.name === 'Content-Length') {
      if (wroteLength) continue;
      wroteLength = true;
      lines.push(`Content-Length: ${msg.body.length}`);
    } else {
      if (/[\r\n]/.test(field.value) || /[\r\n:\s]/.test(field.name)) throw new RangeError(`header ${JSON.stringify(field.name)} would break the message framing`);
      lines.push(`${field.name}: ${field.value}`);
    }
  }
  if (!wroteLength) lines.push(`Content-Length: ${msg.body.length}`);
  if (lines.length > MAX_SIP_HEADER_LINES + 1) throw new RangeError('too many headers to send');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  return msg.body.length === 0 ? head : Buffer.concat([head, msg.body]);
}
