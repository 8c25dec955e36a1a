// The /sim commands: `call`, `answer`, `hangup`, `dtmf` play the people in the call; `state` shows the simulated world.

import type { SimState } from '../../client/sim.js';
import { MAX_DTMF_DIGITS } from '../../limits.js';
import { UsageError } from '../settings.js';
import { describeBehaviour, describeParty, table } from '../format.js';
import { parseCommand, parseCount, parseId, simClient, stringFlag } from '../options.js';

export const CALL_USAGE = `Usage: switchboard call FROM TO [--caller-name NAME] [--did DID] [--device DEVICE-ID] [--json]
  FROM an external number calls in through the trunk (TO: a DID or an internal number),
  or FROM an extension's phone dials TO. Prints the call id and the calling party's id.`;
export const ANSWER_USAGE = 'Usage: switchboard answer PARTY [--json]   (a ringing simulated party answers)';
export const HANGUP_USAGE = 'Usage: switchboard hangup PARTY [--json]   (a simulated party hangs up)';
export const DTMF_USAGE = 'Usage: switchboard dtmf PARTY DIGITS [--interval MS] [--json]   (the party presses keys: 0-9 * # A-D)';
export const STATE_USAGE = 'Usage: switchboard state [--json]   (DNs, devices and behaviours, calls, the clock)';

export async function call(argv: string[]): Promise<number> {
  const { values, positionals, settings } = parseCommand(argv, { 'caller-name': { type: 'string' }, did: { type: 'string' }, device: { type: 'string' } }, ['FROM', 'TO']);
  const [from, to] = positionals as [string, string];
  const callerName = stringFlag(values, 'caller-name');
  const did = stringFlag(values, 'did');
  const device = stringFlag(values, 'device');
  const placed = await simClient(settings).placeCall({ from, to, ...(callerName === undefined ? {} : { callerName }), ...(did === undefined ? {} : { did }), ...(device === undefined ? {} : { device }) });
  console.log(settings.json ? JSON.stringify(placed) : `call ${placed.callId}, ${describeParty(placed.partyId, placed.party)}`);
  return 0;
}

function partyAction(action: 'answer' | 'hangup') {
  return async (argv: string[]): Promise<number> => {
    const { positionals, settings } = parseCommand(argv, {}, ['PARTY']);
    const id = parseId(positionals[0]!, 'PARTY');
    const sim = simClient(settings);
    const result = action === 'answer' ? await sim.answer(id) : await sim.hangup(id);
    console.log(settings.json ? JSON.stringify(result) : describeParty(id, result.party));
    return 0;
  };
}

export const answer = partyAction('answer');
export const hangup = partyAction('hangup');

/** What a phone's keypad sends (the server checks the same). */
const DIGITS = new RegExp(`^[0-9*#A-D]{1,${MAX_DTMF_DIGITS}}$`);

export async function dtmf(argv: string[]): Promise<number> {
  const { values, positionals, settings } = parseCommand(argv, { interval: { type: 'string' } }, ['PARTY', 'DIGITS']);
  const id = parseId(positionals[0]!, 'PARTY');
  const digits = positionals[1]!;
  if (!DIGITS.test(digits)) throw new UsageError(`DIGITS are keys of a phone: 0-9, *, # or A-D, at most ${MAX_DTMF_DIGITS} of them; got '${digits}'`);
  const intervalMs = values.interval === undefined ? undefined : parseCount(String(values.interval), '--interval', 0, 10_000);
  const result = await simClient(settings).dtmf(id, digits, intervalMs === undefined ? {} : { intervalMs });
  console.log(settings.json ? JSON.stringify(result) : `party ${id} pressed ${digits}${intervalMs ? ` (one key every ${intervalMs} ms)` : ''}`);
  return 0;
}

export function formatState(state: SimState): string {
  const clock = `Clock: ${state.clock.now}${state.clock.fake ? ' (fake: moves only on POST /sim/clock/advance)' : ''}`;
  const dnRows = state.dns.flatMap((dn) => {
    const behaviourOf = (behaviour: Parameters<typeof describeBehaviour>[0]) =>
      dn.autoAnswer === null ? describeBehaviour(behaviour) : dn.autoAnswer ? 'answers at once (auto-answer)' : 'rings until the application answers';
    if (dn.devices.length === 0) return [[dn.dn, dn.kind, dn.name, '(no device)', '', '', behaviourOf(null)]];
    return dn.devices.map((device, index) => [
      index === 0 ? dn.dn : '',
      index === 0 ? dn.kind : '',
      index === 0 ? dn.name : '',
      device.deviceId,
      device.registered ? 'yes' : 'no',
      device.directControl ? 'yes' : 'no',
      behaviourOf(device.behaviour),
    ]);
  });
  const kinds = new Map(state.parties.map((party) => [party.id, party.kind]));
  const callRows = state.calls.flatMap((call) =>
    call.participants.map((p, index) => [
      index === 0 ? String(call.callId) : '',
      index === 0 ? call.did : '',
      String(p.id),
      kinds.get(p.id) ?? '',
      p.dn,
      p.status + (p.held ? ' (held)' : ''),
      p.number,
      p.name,
      p.peerId === null ? '' : String(p.peerId),
    ]),
  );
  const calls = callRows.length === 0 ? 'No calls.' : table(['CALL', 'DID', 'PARTICIPANT', 'PARTY', 'DN', 'STATUS', 'NUMBER', 'NAME', 'WITH'], callRows);
  return [clock, table(['DN', 'KIND', 'NAME', 'DEVICE', 'REGISTERED', 'DIRECT', 'BEHAVIOUR'], dnRows), calls].join('\n\n');
}

export async function state(argv: string[]): Promise<number> {
  const { settings } = parseCommand(argv, {}, []);
  const current = await simClient(settings).state();
  console.log(settings.json ? JSON.stringify(current) : formatState(current));
  return 0;
}
