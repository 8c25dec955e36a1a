// Character-level pieces of the RFC 3261 §25 grammar shared by the header parsers: tokens, quoted strings, list and parameter splitting.

import { fail } from './errors.js';
import { MAX_SIP_PARAMS } from './limits.js';

const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
/** word (Call-ID) also allows ( ) < > : \ " / [ ] ? { }. */
const WORD_RE = /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+$/;

export function isToken(text: string): boolean {
  return TOKEN_RE.test(text);
}

export function isWord(text: string): boolean {
  return WORD_RE.test(text);
}

/** Ordered parameters; names are lower-cased (they compare case-insensitively), values kept as sent (quotes included), null when absent. */
export type SipParams = Map<string, string | null>;

/** Index just past the quoted string that starts at `start` (which holds the opening quote); -1 when it never closes. */
export function skipQuoted(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  return -1;
}

/** The content of a quoted string with its quoted-pairs resolved. */
export function unquote(text: string): string {
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return text;
  return text.slice(1, -1).replace(/\\([\s\S])/g, '$1');
}

/** A quoted string for `text`, escaping the two characters that need it. */
export function quote(text: string): string {
  return `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Splits `text` at every `separator` outside quoted strings and angle brackets (RFC 3261 §7.3.1: list headers
 * may be combined with commas; a comma inside "..." or <...> is not a separator). Refuses an unterminated quote.
 */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = skipQuoted(text, i);
      if (end < 0) fail('MALFORMED_HEADER', 'unterminated quoted string');
      i = end - 1;
    } else if (c === '<') depth++;
    else if (c === '>') depth = Math.max(0, depth - 1);
    else if (c === separator && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

/**
 * Parses `;name=value;name` (the text after a header value or URI). `allowSpace` permits the SWS of header
 * parameters around `;` and `=` (URI parameters allow none). Empty parameter names are refused.
 */
export function parseParams(text: string, kind: 'header' | 'uri'): SipParams {
  const allowSpace = kind === 'header';
  const params: SipParams = new Map();
  const trimmed = allowSpace ? trimLws(text) : text;
  if (trimmed === '') return params;
  if (!trimmed.startsWith(';')) fail('MALFORMED_HEADER', `parameters must start with ';': ${clip(text)}`);
  const pieces = splitTopLevel(trimmed.slice(1), ';');
  if (pieces.length > MAX_SIP_PARAMS) fail('MALFORMED_HEADER', 'too many parameters');
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    const rawName = (eq < 0 ? piece : piece.slice(0, eq));
    const name = allowSpace ? trimLws(rawName) : rawName;
    if (!(allowSpace ? isToken(name) : URI_PARAM_RE.test(name))) fail('MALFORMED_HEADER', `bad parameter name: ${clip(piece)}`);
    let value: string | null = null;
    if (eq >= 0) {
      value = allowSpace ? trimLws(piece.slice(eq + 1)) : piece.slice(eq + 1);
      if (!isParamValue(value, allowSpace)) fail('MALFORMED_HEADER', `bad parameter value: ${clip(piece)}`);
    }
    params.set(name.toLowerCase(), value);
  }
  return params;
}

function isParamValue(value: string, header: boolean): boolean {
  if (value === '') return false;
  if (value.startsWith('"')) return header && skipQuoted(value, 0) === value.length;
  // gen-value = token / host / quoted-string; URI paramchar adds [ ] / : & + $ and escapes.
  return header ? /^[A-Za-z0-9\-.!%*_+`'~:[\]]+$/.test(value) : URI_PARAM_RE.test(value);
}

/** paramchar of RFC 3261 §25.1: unreserved, escaped and [ ] / : & + $. */
const URI_PARAM_RE = /^[A-Za-z0-9\-_.!~*'()[\]/:&+$%]+$/;

export function formatParams(params: SipParams): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/** Parses a run of ASCII digits within [0, max]; refuses signs, blanks and overflow. */
export function parseBoundedInt(text: string, max: number, what: string): number {
  if (!/^[0-9]{1,12}$/.test(text)) fail('MALFORMED_HEADER', `${what} is not a number: ${clip(text)}`);
  const value = Number(text);
  if (value > max) fail('MALFORMED_HEADER', `${what} is out of range: ${clip(text)}`);
  return value;
}

/** Strips SP and HTAB only (String.trim would also eat U+FEFF and other Unicode blanks that are content in SIP). */
export function trimLws(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** Shortens text quoted in an error message so a hostile header cannot flood logs. */
export function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
