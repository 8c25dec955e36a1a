// `switchboard sip registrations`: the SIP phones registered now, with contact, User-Agent, source and time left (/sim).

import type { SipRegistration } from '../../client/sim.js';
import { table } from '../format.js';
import { parseCommand, simClient } from '../options.js';
import { UsageError } from '../usage-error.js';

export const SIP_USAGE = 'Usage: switchboard sip registrations [--json]   (the SIP phones registered now: extension, contact, User-Agent, source, expiry)';

export async function sip(argv: string[]): Promise<number> {
  const { positionals, settings } = parseCommand(argv, {}, ['SUBCOMMAND']);
  if (positionals[0] !== 'registrations') throw new UsageError(`unknown sip subcommand '${positionals[0]}'\n${SIP_USAGE}`);
  const registrations = await simClient(settings).sipRegistrations();
  console.log(settings.json ? JSON.stringify(registrations) : formatRegistrations(registrations));
  return 0;
}

export function formatRegistrations(registrations: SipRegistration[]): string {
  if (registrations.length === 0) return 'No SIP registrations.';
  return table(
    ['EXTENSION', 'CONTACT', 'USER AGENT', 'SOURCE', 'EXPIRES IN'],
    registrations.map((r) => [r.extension, r.contact, r.userAgent, r.source, `${r.expiresInSeconds} s`]),
  );
}
