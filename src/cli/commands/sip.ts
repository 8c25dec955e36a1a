// `switchboard sip registrations` and `sip trunks`: the SIP phones registered now, and the SIP trunks' registrations to their providers (/sim).

import type { SipRegistration, SipTrunk } from '../../client/sim.js';
import { table } from '../format.js';
import { parseCommand, simClient } from '../options.js';
import { UsageError } from '../usage-error.js';

export const SIP_USAGE = `Usage: switchboard sip registrations [--json]   (the SIP phones registered now: extension, contact, User-Agent, source, expiry)
       switchboard sip trunks [--json]          (the SIP trunks: provider, registration state, last answer, next attempt)`;

export async function sip(argv: string[]): Promise<number> {
  const { positionals, settings } = parseCommand(argv, {}, ['SUBCOMMAND']);
  if (positionals[0] === 'trunks') {
    const trunks = await simClient(settings).sipTrunks();
    console.log(settings.json ? JSON.stringify(trunks) : formatTrunks(trunks));
    return 0;
  }
  if (positionals[0] !== 'registrations') throw new UsageError(`unknown sip subcommand '${positionals[0]}'\n${SIP_USAGE}`);
  const registrations = await simClient(settings).sipRegistrations();
  console.log(settings.json ? JSON.stringify(registrations) : formatRegistrations(registrations));
  return 0;
}

export function formatTrunks(trunks: SipTrunk[]): string {
  if (trunks.length === 0) return 'No SIP trunks.';
  const seconds = (value: number | null | undefined) => (value === null || value === undefined ? '-' : `${value} s`);
  return table(
    ['TRUNK', 'NAME', 'PROVIDER', 'MODE', 'STATE', 'LAST ANSWER', 'EXPIRES IN', 'NEXT ATTEMPT'],
    trunks.map((t) => {
      const r = t.registration;
      const last = r?.lastStatus === null || r === null ? (r?.lastReason ?? '-') : `${r.lastStatus} ${r.lastReason ?? ''}`.trim();
      return [t.trunk, t.name, t.provider, t.mode, r?.state ?? '-', last, seconds(r?.expiresInSeconds), seconds(r?.nextAttemptInSeconds)];
    }),
  );
}

export function formatRegistrations(registrations: SipRegistration[]): string {
  if (registrations.length === 0) return 'No SIP registrations.';
  return table(
    ['EXTENSION', 'CONTACT', 'USER AGENT', 'SOURCE', 'EXPIRES IN'],
    registrations.map((r) => [r.extension, r.contact, r.userAgent, r.source, `${r.expiresInSeconds} s`]),
  );
}
