// name-addr and addr-spec values (From, To, Contact, Route, Record-Route...; RFC 3261 §20.10, §25.1).

import { clip, formatParams, isToken, parseParams, quote, skipQuoted, unquote, type SipParams } from './grammar.js';
import { fail } from './errors.js';
import { formatUri, parseUri, type Uri } from './uri.js';

/** An address with its header parameters (tag, expires, q, lr...). `displayName` is unquoted; undefined when absent. */
export interface NameAddr {
  displayName?: string;
  uri: Uri;
  params: SipParams;
}

/**
 * Parses one address value. With angle brackets everything after `>` is header parameters; without them
 * (addr-spec form) the URI ends at the first `;` or blank and may carry no `?headers` or comma (RFC 3261 §20).
 */
export function parseNameAddr(value: string): NameAddr {
  const text = value.trim();
  if (text === '') fail('MALFORMED_HEADER', 'empty address');
  let displayName: string | undefined;
  let rest = text;
  if (text.startsWith('"')) {
    const end = skipQuoted(text, 0);
    if (end < 0) fail('MALFORMED_HEADER', `unterminated display name: ${clip(text)}`);
    displayName = unquote(text.slice(0, end));
    rest = text.slice(end).trimStart();
    if (!rest.startsWith('<')) fail('MALFORMED_HEADER', `display name without <uri>: ${clip(text)}`);
  } else {
    const lt = text.indexOf('<');
    if (lt > 0) {
      const words = text.slice(0, lt).trim().split(/[ \t]+/);
      if (!words.every(isToken)) fail('MALFORMED_HEADER', `display name must be tokens or quoted: ${clip(text)}`);
      displayName = words.join(' ');
      rest = text.slice(lt);
    }
  }
  if (rest.startsWith('<')) {
    const gt = rest.indexOf('>');
    if (gt < 0) fail('MALFORMED_HEADER', `unterminated <uri>: ${clip(text)}`);
    const inner = rest.slice(1, gt);
    if (/[\s<"]/.test(inner)) fail('MALFORMED_HEADER', `blank or bracket inside <uri>: ${clip(text)}`);
    const addr: NameAddr = { uri: parseUri(inner), params: parseParams(rest.slice(gt + 1), 'header') };
    if (displayName !== undefined) addr.displayName = displayName;
    return addr;
  }
  const m = /^([^;\s]+)(.*)$/s.exec(rest);
  const spec = m?.[1] ?? '';
  if (/[?,<>"]/.test(spec)) fail('MALFORMED_HEADER', `addr-spec with ? , < > or quote must be in <>: ${clip(text)}`);
  return { uri: parseUri(spec), params: parseParams(m?.[2] ?? '', 'header') };
}

/** Always writes the `<uri>` form, which is unambiguous whatever the URI holds. */
export function formatNameAddr(addr: NameAddr): string {
  const name = addr.displayName === undefined ? '' : `${isTokens(addr.displayName) ? addr.displayName : quote(addr.displayName)} `;
  return `${name}<${formatUri(addr.uri)}>${formatParams(addr.params)}`;
}

function isTokens(text: string): boolean {
  return text !== '' && text.split(' ').every(isToken);
}
