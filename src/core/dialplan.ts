// The dial plan: what a dialled string reaches. Internal numbers reach their DN; other numbers leave through a trunk.

import { MAX_DESTINATION_CHARS } from '../limits.js';
import { CoreError, ErrorCodes } from './errors.js';
import type { DnRecord } from './pbx.js';

/** A resolved destination: an internal DN (optionally one device of it), or an external number through a trunk. */
export type Target = { kind: 'dn'; dn: DnRecord; deviceId?: string } | { kind: 'external'; number: string; trunk: DnRecord };

/** Digits with an optional leading +, and * or # as a PBX feature prefix may use. */
const DIALLABLE = /^\+?[0-9*#]{1,32}$/;

/**
 * Resolves `destination` against the configured DNs. Whitespace around it is ignored; spaces, dashes, dots and
 * brackets inside a phone number are dropped, as a person would type "+1 (555) 000-1234".
 * Errors: InvalidDestination (empty, too long, neither a DN nor a number, or unroutable: no trunk to reach it).
 */
export function resolveDestination(destination: unknown, dns: ReadonlyMap<string, DnRecord>, trunk: DnRecord | undefined): Target {
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
  if (!trunk) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `${number} is unroutable: no trunk is configured for external numbers`);
  return { kind: 'external', number, trunk };
}
