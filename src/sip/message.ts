// The SIP message model (RFC 3261 §7): requests and responses with ordered headers and a byte body, and typed reads of the core headers.

import { parseNameAddr, type NameAddr } from './address.js';
import { fail } from './errors.js';
import { parseBoundedInt } from './grammar.js';
import { SipHeaders } from './headers.js';
import type { Uri } from './uri.js';
import { parseVia, type Via } from './via.js';

export interface SipRequest {
  readonly type: 'request';
  method: string;
  uri: Uri;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipResponse {
  readonly type: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export interface CSeq {
  seq: number;
  method: string;
}

/** Largest CSeq number: RFC 3261 §8.1.1.5 makes it a 32-bit unsigned integer. */
export const MAX_CSEQ = 2 ** 32 - 1;

function required(msg: SipMessage, name: string): string {
  const value = msg.headers.get(name);
  if (value === undefined) fail('MISSING_HEADER', `missing ${name}`);
  return value;
}

export function viasOf(msg: SipMessage): Via[] {
  return msg.headers.getAll('Via').map(parseVia);
}

/** The topmost Via, the one that names this hop's transaction. */
export function topVia(msg: SipMessage): Via {
  const first = msg.headers.get('Via');
  if (first === undefined) fail('MISSING_HEADER', 'missing Via');
  return parseVia(first);
}

export function fromOf(msg: SipMessage): NameAddr {
  return parseNameAddr(required(msg, 'From'));
}

export function toOf(msg: SipMessage): NameAddr {
  return parseNameAddr(required(msg, 'To'));
}

export function callIdOf(msg: SipMessage): string {
  return required(msg, 'Call-ID');
}

export function cseqOf(msg: SipMessage): CSeq {
  const m = /^([0-9]+)[ \t]+([^ \t]+)$/.exec(required(msg, 'CSeq').trim());
  if (!m) fail('MALFORMED_HEADER', 'bad CSeq');
  return { seq: parseBoundedInt(m[1] ?? '', MAX_CSEQ, 'CSeq'), method: m[2] ?? '' };
}

/** Contact values, or '*' for the REGISTER wildcard (RFC 3261 §10.2.2). */
export function contactsOf(msg: SipMessage): NameAddr[] | '*' {
  const values = msg.headers.getAll('Contact');
  if (values.length === 1 && values[0]?.trim() === '*') return '*';
  return values.map(parseNameAddr);
}

/** Route or Record-Route values, in order. */
export function routesOf(msg: SipMessage, name: 'Route' | 'Record-Route'): NameAddr[] {
  return msg.headers.getAll(name).map(parseNameAddr);
}

export function maxForwardsOf(msg: SipMessage): number | undefined {
  const value = msg.headers.get('Max-Forwards');
  return value === undefined ? undefined : parseBoundedInt(value.trim(), 255, 'Max-Forwards');
}

/** Expires header as delta-seconds; larger than 2^32-1 is read as 2^32-1 (RFC 3261 §20.19). */
export function expiresOf(msg: SipMessage): number | undefined {
  const value = msg.headers.get('Expires')?.trim();
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) fail('MALFORMED_HEADER', 'bad Expires');
  return value.length > 10 ? MAX_CSEQ : Math.min(Number(value), MAX_CSEQ);
}

/** The tag parameter of From or To, if any. */
export function tagOf(addr: NameAddr): string | undefined {
  return addr.params.get('tag') ?? undefined;
}

export function isRequest(msg: SipMessage): msg is SipRequest {
  return msg.type === 'request';
}
