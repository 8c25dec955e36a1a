// SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966), and any other absolute URI kept opaque.

import { clip, formatParams, parseParams, type SipParams } from './grammar.js';
import { fail } from './errors.js';

/** sip: or sips: URI. `user` and `password` stay percent-escaped as sent; compare with {@link decodePercent}. */
export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  /** Host name, IPv4 address or bracketed IPv6 reference, as sent. */
  host: string;
  port?: number;
  params: SipParams;
  /** URI headers (`?name=value&...`), escaped as sent. */
  headers: Array<[string, string]>;
}

/** tel: URI (RFC 3966): the number and its parameters. */
export interface TelUri {
  scheme: 'tel';
  number: string;
  params: SipParams;
}

/** Any other absolute URI (RFC 3261 allows them in most places); the part after the colon is kept whole. */
export interface OtherUri {
  scheme: string;
  opaque: string;
}

export type Uri = SipUri | TelUri | OtherUri;

const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
/** user = 1*( unreserved / escaped / user-unreserved ). */
const USER_RE = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ). */
const PASSWORD_RE = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*$/;
const HOSTNAME_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$/;
const IPV6_RE = /^\[[0-9A-Fa-f:.]+\]$/;
const HEADER_CHARS_RE = /^(?:[A-Za-z0-9\-_.!~*'()[\]/?:+$]|%[0-9A-Fa-f]{2})*$/;
const OPAQUE_RE = /^[\x21-\x7e]+$/;
const TEL_RE = /^\+?[0-9A-Fa-f*#\-.()]+$/;

export function isSipUri(uri: Uri): uri is SipUri {
  return uri.scheme === 'sip' || uri.scheme === 'sips';
}

/** Parses a URI with no surrounding whitespace or angle brackets; throws SipParseError when it is not one. */
export function parseUri(text: string): Uri {
  const colon = text.indexOf(':');
  const scheme = colon > 0 ? text.slice(0, colon) : '';
  if (!SCHEME_RE.test(scheme)) fail('MALFORMED_HEADER', `not a URI: ${clip(text)}`);
  const rest = text.slice(colon + 1);
  const lower = scheme.toLowerCase();
  if (lower === 'sip' || lower === 'sips') return parseSipUri(lower, rest);
  if (lower === 'tel') return parseTelUri(rest);
  if (!OPAQUE_RE.test(rest)) fail('MALFORMED_HEADER', `bad URI: ${clip(text)}`);
  return { scheme: lower, opaque: rest };
}

function parseSipUri(scheme: 'sip' | 'sips', rest: string): SipUri {
  const uri: SipUri = { scheme, host: '', params: new Map(), headers: [] };
  let hostPart = rest;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    const pc = userinfo.indexOf(':');
    const user = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (!USER_RE.test(user)) fail('MALFORMED_HEADER', `bad user part in URI: ${clip(rest)}`);
    uri.user = user;
    if (pc >= 0) {
      const password = userinfo.slice(pc + 1);
      if (!PASSWORD_RE.test(password)) fail('MALFORMED_HEADER', `bad password in URI: ${clip(rest)}`);
      uri.password = password;
    }
  }
  const q = hostPart.indexOf('?');
  if (q >= 0) {
    uri.headers = parseUriHeaders(hostPart.slice(q + 1));
    hostPart = hostPart.slice(0, q);
  }
  const semi = hostPart.indexOf(';');
  if (semi >= 0) {
    uri.params = parseParams(hostPart.slice(semi), 'uri');
    hostPart = hostPart.slice(0, semi);
  }
  parseHostPort(hostPart, uri);
  return uri;
}

function parseHostPort(text: string, uri: SipUri): void {
  let host = text;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    host = text.slice(0, close + 1);
    const after = text.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) fail('MALFORMED_HEADER', `bad host: ${clip(text)}`);
      port = after.slice(1);
    }
  } else {
    const pc = text.lastIndexOf(':');
    if (pc >= 0) {
      host = text.slice(0, pc);
      port = text.slice(pc + 1);
    }
  }
  if (!(HOSTNAME_RE.test(host) || IPV6_RE.test(host))) fail('MALFORMED_HEADER', `bad host: ${clip(text)}`);
  uri.host = host;
  if (port !== undefined) {
    if (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65535) fail('MALFORMED_HEADER', `bad port: ${clip(text)}`);
    uri.port = Number(port);
  }
}

function parseUriHeaders(text: string): Array<[string, string]> {
  return text.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (name === '' || !HEADER_CHARS_RE.test(name) || !HEADER_CHARS_RE.test(value)) fail('MALFORMED_HEADER', `bad URI header: ${clip(pair)}`);
    return [name, value];
  });
}

function parseTelUri(rest: string): TelUri {
  const semi = rest.indexOf(';');
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (!TEL_RE.test(number)) fail('MALFORMED_HEADER', `bad tel URI: ${clip(rest)}`);
  return { scheme: 'tel', number, params: semi < 0 ? new Map() : parseParams(rest.slice(semi), 'uri') };
}

export function formatUri(uri: Uri): string {
  if (uri.scheme === 'tel') return `tel:${(uri as TelUri).number}${formatParams((uri as TelUri).params)}`;
  if (!isSipUri(uri)) return `${uri.scheme}:${(uri as OtherUri).opaque}`;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) out += uri.password !== undefined ? `${uri.user}:${uri.password}@` : `${uri.user}@`;
  out += uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  out += formatParams(uri.params);
  if (uri.headers.length > 0) out += `?${uri.headers.map(([n, v]) => `${n}=${v}`).join('&')}`;
  return out;
}

/** Resolves %XX escapes (to bytes, read as UTF-8); malformed escapes stay as they are. */
export function decodePercent(text: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(text[i] ?? '', 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The address-of-record key of a SIP URI (RFC 3261 §10.3: scheme, user and host; the user compares after unescaping, the host case-insensitively). */
export function aorKey(uri: SipUri): string {
  const user = uri.user === undefined ? '' : `${decodePercent(uri.user)}@`;
  return `${uri.scheme}:${user}${uri.host.toLowerCase()}`;
}
