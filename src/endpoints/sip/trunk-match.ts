// Which SIP trunk a request from the network belongs to (provider address or IP peers), the DID and caller it carries, and numbers between provider forms and E.164.

import type { TrunkCallerIdHeader, TrunkConfig, TrunkDidSource, TrunkNumberFormat } from '../../config/types.js';
import { parseNameAddr } from '../../sip/address.js';
import type { SipRequest } from '../../sip/message.js';
import { decodePercent, type Uri } from '../../sip/uri.js';

/** An address as 128 bits (IPv4 as IPv4-mapped IPv6, so that ::ffff:192.0.2.1 is 192.0.2.1). */
type Bits = bigint;

interface Block {
  network: Bits;
  /** Prefix length over 128 bits. */
  length: number;
}

const MAPPED = 0xffffn << 32n;

/** 128-bit form of an IPv4 or IPv6 literal (brackets allowed), or undefined when it is neither. */
export function addressBits(text: string): Bits | undefined {
  const address = text.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const v4 = ipv4Bits(address);
  if (v4 !== undefined) return MAPPED | v4;
  if (!/^[0-9a-f:.]+$/.test(address) || address.split('::').length > 2) return undefined;
  const [head = '', tail] = address.split('::');
  const groups = (part: string): bigint[] | undefined => {
    if (part === '') return [];
    const out: bigint[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      const embedded = i === pieces.length - 1 && piece.includes('.') ? ipv4Bits(piece) : undefined;
      if (embedded !== undefined) out.push(embedded >> 16n, embedded & 0xffffn);
      else if (/^[0-9a-f]{1,4}$/.test(piece)) out.push(BigInt(parseInt(piece, 16)));
      else return undefined;
    }
    return out;
  };
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  if (!left || !right) return undefined;
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  return [...left, ...Array<bigint>(tail === undefined ? 0 : missing).fill(0n), ...right].reduce((acc, g) => (acc << 16n) | g, 0n);
}

function ipv4Bits(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

/** A peer entry (address or CIDR block, as the configuration checked it) as a block over 128 bits. */
function blockOf(entry: string): Block | undefined {
  const [address = '', prefix] = entry.split('/');
  const bits = addressBits(address);
  if (bits === undefined) return undefined;
  const isV4 = (bits >> 32n) === 0xffffn && !address.includes(':');
  const length = prefix === undefined ? 128 : Number(prefix) + (isV4 ? 96 : 0);
  return { network: bits & mask(length), length };
}

function mask(length: number): Bits {
  return length === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - length)) - 1n);
}

/** What the matcher knows of one SIP trunk. */
interface Candidate {
  trunk: TrunkConfig;
  blocks: Block[];
  registers: boolean;
}

/**
 * Finds the SIP trunk a request comes from by its source address, never by anything the request says about
 * itself. A registering trunk matches its provider's address as last looked up (`providerAddress`) and its
 * `peers`; an IP-peer trunk matches its `peers`, or its `host` address when none are listed. The most specific
 * match wins (an address over a block, a longer prefix over a shorter one), then the first trunk in the
 * configuration. No match: the request is from no trunk and must be refused.
 */
export class TrunkMatcher {
  private readonly candidates: Candidate[];

  constructor(
    trunks: readonly TrunkConfig[],
    private readonly providerAddress: (trunk: string) => string | undefined,
  ) {
    this.candidates = trunks.flatMap((trunk) => {
      const sip = trunk.sip;
      if (!sip) return [];
      const entries = sip.peers.length > 0 || sip.register ? sip.peers : [sip.host];
      return [{ trunk, registers: sip.register, blocks: entries.flatMap((entry) => blockOf(entry) ?? []) }];
    });
  }

  /** The trunk a request from `source` (an IP address as the socket reports it) belongs to, or undefined. */
  match(source: string): TrunkConfig | undefined {
    const bits = addressBits(source);
    if (bits === undefined) return undefined;
    let best: { trunk: TrunkConfig; length: number } | undefined;
    for (const candidate of this.candidates) {
      const blocks = [...candidate.blocks];
      const provider = candidate.registers ? this.providerAddress(candidate.trunk.number) : undefined;
      const providerBlock = provider === undefined ? undefined : blockOf(provider);
      if (providerBlock) blocks.push(providerBlock);
      for (const block of blocks) {
        if ((bits & mask(block.length)) !== block.network) continue;
        if (!best || block.length > best.length) best = { trunk: candidate.trunk, length: block.length };
      }
    }
    return best?.trunk;
  }
}

/** The user part of a sip:/sips: URI (percent-decoded) or a tel: number; undefined for other URIs. */
function userOf(uri: Uri): string | undefined {
  if (uri.scheme === 'tel' && 'number' in uri) return uri.number;
  if ((uri.scheme === 'sip' || uri.scheme === 'sips') && 'host' in uri) return uri.user === undefined ? undefined : decodePercent(uri.user);
  return undefined;
}

/** The dialled number of an inbound INVITE as the trunk is configured to read it (before normalisation); undefined when absent. */
export function didOf(request: SipRequest, source: TrunkDidSource): string | undefined {
  if (source === 'request-uri') return userOf(request.uri);
  const value = request.headers.get(source === 'to' ? 'To' : source.header);
  if (value === undefined) return undefined;
  try {
    return userOf(parseNameAddr(value).uri);
  } catch {
    // A header of the provider's own may carry the bare number.
    const bare = value.trim();
    return /^\+?[0-9*#\-.() ]{1,32}$/.test(bare) ? bare : undefined;
  }
}

/** The caller's number of an inbound INVITE: P-Asserted-Identity, else Remote-Party-ID, else From (the trunk is trusted once matched). */
export function callerOf(request: SipRequest): string | undefined {
  for (const name of ['P-Asserted-Identity', 'Remote-Party-ID', 'From']) {
    const value = request.headers.get(name);
    if (value === undefined) continue;
    try {
      const user = userOf(parseNameAddr(value).uri);
      if (user !== undefined) return user;
    } catch {
      // an unreadable identity header: try the next one
    }
  }
  return undefined;
}

/** Headers carrying the caller's number on a call out, by the trunk's callerId setting (From itself carries it in every case). */
export function callerIdHeaders(style: TrunkCallerIdHeader, number: string, host: string): Array<[string, string]> {
  const uri = `<sip:${number}@${host.includes(':') ? `[${host}]` : host}>`;
  if (style === 'pai') return [['P-Asserted-Identity', uri]];
  if (style === 'rpid') return [['Remote-Party-ID', `${uri};party=calling;screen=yes;privacy=off`]];
  return [];
}

/** Spaces, dashes, dots and brackets people and providers put in numbers. */
function clean(number: string): string {
  return number.replace(/[\s\-.()]/g, '');
}

/**
 * A number as the provider wrote it, in E.164 where the rules can tell: `+...` stays; the international prefix
 * becomes `+`; the national prefix becomes `+` and the country code; anything else is kept (a short code), or
 * read as E.164 without its plus when the provider writes numbers that way (`outbound: e164-digits`).
 */
export function toE164(number: string, format: TrunkNumberFormat | null): string {
  const n = clean(number);
  if (!format || n.startsWith('+') || !/^[0-9]+$/.test(n)) return n;
  if (n.startsWith(format.internationalPrefix)) return `+${n.slice(format.internationalPrefix.length)}`;
  if (format.nationalPrefix !== '' && n.startsWith(format.nationalPrefix)) return `+${format.countryCode}${n.slice(format.nationalPrefix.length)}`;
  return format.outbound === 'e164-digits' ? `+${n}` : n;
}

/** An E.164 number in the form the provider takes; a number without `+` (a short code) is sent as it is. */
export function fromE164(number: string, format: TrunkNumberFormat | null): string {
  const n = clean(number);
  if (!format || !n.startsWith('+')) return n;
  const digits = n.slice(1);
  switch (format.outbound) {
    case 'e164':
      return n;
    case 'e164-digits':
      return digits;
    case 'national':
      return digits.startsWith(format.countryCode) ? `${format.nationalPrefix}${digits.slice(format.countryCode.length)}` : `${format.internationalPrefix}${digits}`;
  }
}
