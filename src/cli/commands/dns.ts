// `switchboard dns`: the application's DNs with their devices, then every participant, as tables.

import type { DnInfo } from '../../client/types.js';
import { table } from '../format.js';
import { callControlClient, parseCommand } from '../options.js';

export const DNS_USAGE = 'Usage: switchboard dns [--json]   (the DNs the application sees, their devices and participants)';

export function formatDns(dns: DnInfo[]): string {
  const deviceRows = dns.flatMap((dn) =>
    dn.devices.length === 0
      ? [[dn.dn, dn.type, '(no device registered)', '']]
      : dn.devices.map((device, index) => (index === 0 ? [dn.dn, dn.type, device.device_id, device.user_agent] : ['', '', device.device_id, device.user_agent])),
  );
  const participants = dns.flatMap((dn) => dn.participants);
  const participantTable =
    participants.length === 0
      ? 'No participants.'
      : table(
          ['PARTICIPANT', 'DN', 'STATUS', 'PARTY', 'NAME', 'PARTY DN', 'DEVICE', 'CALL', 'LEG'],
          participants.map((p) => [String(p.id), p.dn, p.status, p.party_caller_id, p.party_caller_name, p.party_dn, p.device_id, String(p.callid), String(p.legid)]),
        );
  return `${table(['DN', 'TYPE', 'DEVICE', 'USER AGENT'], deviceRows)}\n\n${participantTable}`;
}

export async function dns(argv: string[]): Promise<number> {
  const { settings } = parseCommand(argv, {}, []);
  const list = await callControlClient(settings).listDns();
  console.log(settings.json ? JSON.stringify(list) : formatDns(list));
  return 0;
}
