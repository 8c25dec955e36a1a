// Parses one SIP message from bytes (RFC 3261 §7, §25): start line, unfolded headers split into list values, Content-Length framing.

import { parseNameAddr } from './address.js';
import { fail, SipParseError } from './errors.js';
import { clip, isToken, trimLws, isWord, parseBoundedInt, splitTopLevel } from './grammar.js';
import { headerKey, isListHeader, isSingleHeader, SipHeaders, type SipHeaderField } from './headers.js';
import { MAX_SIP_BODY_BYTES, MAX_SIP_HEADER_LINES, MAX_SIP_HEADER_SECTION_BYTES, MAX_SIP_HEADER_VALUES, MAX_SIP_LINE_BYTES, MAX_SIP_MESSAGE_BYTES } from './limits.js';
import { callIdOf, contactsOf, cseqOf, fromOf, maxForwardsOf, routesOf, toOf, viasOf, type SipMessage, type SipRequest } from './message.js';
import { parseUri } from './uri.js';

export interface ParseOptions {
  /**
   * A stream transport already framed the message by Content-Length, so the body is exactly what follows
   * the headers. For datagrams (the default) a missing Content-Length means "the rest of the datagram" and
   * bytes beyond Content-Length are discarded (RFC 3261 §18.3).
   */
  stream?: boolean;
}

/** Where the header section ends: the index of the blank line and the index of the body. */
export function findHeaderEnd(buf: Buffer, from = 0): { headerEnd: number; bodyStart: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n', from, 'latin1');
  const lf = buf.indexOf('\n\n', from, 'latin1');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerEnd: lf, bodyStart: lf + 2 };
  return undefined;
}

/** Parses one message; throws {@link SipParseError} with the status a server should answer (400, 413, 505). */
export function parseMessage(buf: Buffer, options: ParseOptions = {}): SipMessage {
  if (buf.length > MAX_SIP_MESSAGE_BYTES) fail('TOO_LARGE', 'message too large', 413);
  let start = 0;
  // RFC 3261 §7.5: blank lines before the start line are ignored.
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  const end = findHeaderEnd(buf, start);
  if (!end) fail('MALFORMED_START_LINE', 'no blank line after the headers');
  if (end.headerEnd - start > MAX_SIP_HEADER_SECTION_BYTES) fail('TOO_LARGE', 'header section too large', 413);
  const lines = buf.toString('utf8', start, end.headerEnd).split(/\r?\n/);
  const startLine = lines[0] ?? '';
  let headers: SipHeaders | undefined;
  let msg: SipMessage | undefined;
  try {
    headers = new SipHeaders(unfold(lines.slice(1)));
    msg = parseStartLine(startLine, headers);
    checkHeaders(msg);
    msg.body = readBody(buf, end.bodyStart, msg, options);
  } catch (err) {
    // A request that fails still gets an answer when its Via, From, To, Call-ID and CSeq can be read (RFC 4475 §3.1.2).
    if (err instanceof SipParseError && !/^SIP\//i.test(startLine)) err.request = { method: startLine.split(' ')[0] ?? '', headers: headers ?? rawHeaders(lines.slice(1)) };
    throw err;
  }
  return msg;
}

function parseStartLine(line: string, headers: SipHeaders): SipMessage {
  if (line.length > MAX_SIP_LINE_BYTES) fail('TOO_LARGE', 'start line too long', 414);
  if (/^SIP\//i.test(line)) {
    const m = /^SIP\/([0-9]+\.[0-9]+) ([0-9]{3})(?: ([^\r\n]*))?$/i.exec(line);
    if (!m) fail('MALFORMED_START_LINE', `bad status line: ${clip(line)}`);
    if (m[1] !== '2.0') fail('UNSUPPORTED_VERSION', 'SIP version not supported', 505);
    const status = Number(m[2]);
    if (status < 100) fail('MALFORMED_START_LINE', `bad status code: ${status}`);
    return { type: 'response', status, reason: m[3] ?? '', headers, body: Buffer.alloc(0) };
  }
  const parts = line.split(' ');
  if (parts.length !== 3) fail('MALFORMED_START_LINE', `bad request line: ${clip(line)}`);
  const [method = '', target = '', version = ''] = parts;
  if (!isToken(method)) fail('MALFORMED_START_LINE', `bad method: ${clip(method)}`);
  const v = /^SIP\/([0-9]+\.[0-9]+)$/i.exec(version);
  if (!v) fail('MALFORMED_START_LINE', `bad request line: ${clip(line)}`);
  if (v[1] !== '2.0') fail('UNSUPPORTED_VERSION', 'SIP version not supported', 505);
  const request: SipRequest = { type: 'request', method, uri: parseUri(target), headers, body: Buffer.alloc(0) };
  return request;
}

/** Header lines read without validation, for addressing an error response to a request that failed to parse. */
function rawHeaders(lines: string[]): SipHeaders {
  const headers = new SipHeaders();
  let count = 0;
  for (const line of lines) {
    const m = /^([^:\s]+)[ \t]*:(.*)$/s.exec(line);
    if (m && count++ < MAX_SIP_HEADER_LINES) headers.append(m[1] ?? '', trimLws(m[2] ?? ''));
  }
  return headers;
}

/** Joins continuation lines (RFC 3261 §7.3.1: a line starting with blank continues the previous one) and splits list values. */
function unfold(lines: string[]): SipHeaderField[] {
  const joined: string[] = [];
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (joined.length === 0) fail('MALFORMED_HEADER', 'continuation line before any header');
      joined[joined.length - 1] = `${joined[joined.length - 1]} ${trimLws(line)}`;
    } else joined.push(line);
    if ((joined[joined.length - 1]?.length ?? 0) > MAX_SIP_LINE_BYTES) fail('TOO_LARGE', 'header line too long', 413);
  }
  if (joined.length > MAX_SIP_HEADER_LINES) fail('TOO_LARGE', 'too many headers', 413);
  const fields: SipHeaderField[] = [];
  for (const line of joined) {
    const m = /^([^:\s]+)[ \t]*:(.*)$/s.exec(line);
    if (!m || !isToken(m[1] ?? '')) fail('MALFORMED_HEADER', `bad header line: ${clip(line)}`);
    const name = m[1] ?? '';
    const value = trimLws(m[2] ?? '');
    if (isListHeader(name) && value !== '') {
      const pieces = splitTopLevel(value, ',').map(trimLws);
      if (pieces.some((p) => p === '')) fail('MALFORMED_HEADER', `empty element in ${name}`);
      for (const piece of pieces) fields.push({ name, value: piece });
    } else fields.push({ name, value });
    if (fields.length > MAX_SIP_HEADER_VALUES) fail('TOO_LARGE', 'too many header values', 413);
  }
  return fields;
}

/** The headers every message needs (RFC 3261 §8.1.1), each readable; singletons once only; CSeq naming the request's method. */
function checkHeaders(msg: SipMessage): void {
  const seen = new Set<string>();
  for (const field of msg.headers) {
    const key = headerKey(field.name);
    if (isSingleHeader(key)) {
      if (seen.has(key)) fail('DUPLICATE_HEADER', `${field.name} appears more than once`);
      seen.add(key);
    }
  }
  if (viasOf(msg).length === 0) fail('MISSING_HEADER', 'missing Via');
  fromOf(msg);
  toOf(msg);
  const callId = callIdOf(msg);
  const at = callId.indexOf('@');
  if (!(at < 0 ? isWord(callId) : isWord(callId.slice(0, at)) && isWord(callId.slice(at + 1)))) fail('MALFORMED_HEADER', 'bad Call-ID');
  const cseq = cseqOf(msg);
  if (!isToken(cseq.method)) fail('MALFORMED_HEADER', 'bad CSeq method');
  if (msg.type === 'request' && cseq.method !== msg.method) fail('METHOD_MISMATCH', 'CSeq method does not match the request method');
  maxForwardsOf(msg);
  contactsOf(msg);
  routesOf(msg, 'Route');
  routesOf(msg, 'Record-Route');
  for (const name of ['Reply-To', 'Refer-To'] as const) {
    const value = msg.headers.get(name);
    if (value !== undefined) parseNameAddr(value);
  }
}

function readBody(buf: Buffer, bodyStart: number, msg: SipMessage, options: ParseOptions): Buffer {
  const available = buf.length - bodyStart;
  const raw = msg.headers.get('Content-Length');
  if (raw === undefined) {
    if (options.stream && available > 0) fail('BAD_CONTENT_LENGTH', 'Content-Length is required on stream transports');
    if (available > MAX_SIP_BODY_BYTES) fail('TOO_LARGE', 'body too large', 413);
    return buf.subarray(bodyStart);
  }
  const length = parseContentLength(raw);
  if (length > available) fail('TRUNCATED_BODY', `Content-Length ${length} is more than the ${available} bytes that follow`);
  if (options.stream && length !== available) fail('BAD_CONTENT_LENGTH', 'framed body does not match Content-Length');
  return buf.subarray(bodyStart, bodyStart + length);
}

/** A Content-Length value: digits only, at most {@link MAX_SIP_BODY_BYTES}. */
export function parseContentLength(raw: string): number {
  try {
    return parseBoundedInt(raw.trim(), MAX_SIP_BODY_BYTES, 'Content-Length');
  } catch (err) {
    if (err instanceof SipParseError) fail('BAD_CONTENT_LENGTH', err.message, /out of range/.test(err.message) ? 413 : 400);
    throw err;
  }
}
