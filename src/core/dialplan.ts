// The dial plan: what a dialled string reaches. Internal numbers reach their DN; other numbers leave through the trunk of the first outbound rule that matches.

import { MAX_DESTINATION_CHARS } from '../limits.js';
import { CoreError, ErrorCodes } from './errors.js';
import type { DnRecord } from './pbx.js';

/** A resolved destination: an internal DN (optionally one device of it), or an external number through a trunk. */
export type Target = { kind: 'dn'; dn: DnRecord; deviceId?: string } | { kind: 'external'; number: string; trunk: DnRecord };

/**
 * One outbound route: numbers starting with `prefix` (the empty prefix matches every number), or matching `pattern`
 * as a whole, leave through trunk DN `trunk`. Rules are checked in order; the first match wins.
 */
export type OutboundRule = { prefix: string; trunk: string } | { pattern: RegExp; trunk: string };

/** Digits with an optional leading +, and * or # as a PBX feature prefix may use. */
const DIALLABLE = /^\+?[0-9*#]{1,32}$/;

/**
 * Resolves `destination` against the configured DNs. Whitespace around it is ignored; spaces, dashes, dots and
 * brackets inside a phone number are dropped, as a person would type "+1 (555) 000-1234". External numbers go out
 * through the trunk of the first matching rule of `rules`; absent rules mean one rule: every number through the
 * first trunk.
 * Errors: InvalidDestination (empty, too long, neither a DN nor a number, or unroutable: no rule or trunk reaches it).
 */
export function resolveDestination(destination: unknown, dns: ReadonlyMap<string, DnRecord>, rules?: readonly OutboundRule[]): Target {
  if (typeof destination !== 'string' || destination.trim() === '') {
    throw new CoreError(ErrorCodes.INVALID_DESTINATION, 'destination is required');
  }
  const trimmed = destination.trim();
  if (trimmed.length > MAX_DESTINATION_CHARS) {
    throw new CoreError(ErrorCodes.INVALID_DESTINATION, `destination is longer than ${MAX_DESTINATION_CHARS} characters`);
  }
  const internal = dns.get(trimmed);
  if (internal) {
    if (internal.kind === 'externalline') throw new CoreError(ErrorCodes.INVALID_DESTINATION, `DN ${trimmed} is a trunk and cannot be called`);
    return { kind: 'dn', dn: internal };
  }
  const number = trimmed.replace(/[\s\-.()]/g, '');
  if (!DIALLABLE.test(number)) {
    throw new CoreError(ErrorCodes.INVALID_DESTINATION, `'${trimmed}' is neither a configured DN nor a phone number`);
  }
  return { kind: 'external', number, trunk: outboundTrunk(number, dns, rules) };
}

/** The trunk an external number leaves through. Errors: InvalidDestination (no trunk, or no rule matches). */
function outboundTrunk(number: string, dns: ReadonlyMap<string, DnRecord>, rules: readonly OutboundRule[] | undefined): DnRecord {
  if (rules === undefined) {
    const first = firstTrunk(dns);
    if (!first) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `${number} is unroutable: no trunk is configured for external numbers`);
    return first;
  }
  const rule = rules.find((candidate) => ('prefix' in candidate ? number.startsWith(candidate.prefix) : candidate.pattern.test(number)));
  if (!rule) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `${number} is unroutable: no outbound rule matches it`);
  const trunk = dns.get(rule.trunk);
  // The configuration loader refuses rules naming anything but a trunk; a hand-built rule list may not.
  if (!trunk || trunk.kind !== 'externalline') throw new CoreError(ErrorCodes.INVALID_DESTINATION, `${number} is unroutable: its outbound rule names ${rule.trunk}, which is not a trunk`);
  return trunk;
}

/** The default outbound route: every number through the first trunk, or no rule when there is no trunk. */
export function defaultOutboundRules(dns: ReadonlyMap<string, DnRecord>): OutboundRule[] {
  const first = firstTrunk(dns);
  return first ? [{ prefix: '', trunk: first.number }] : [];
}

function firstTrunk(dns: ReadonlyMap<string, DnRecord>): DnRecord | undefined {
  for (const record of dns.values()) if (record.kind === 'externalline') return record;
  return undefined;
}
