// The /sim audio commands: `play` (a party plays a sound into its call), `record` (what it heard), `media` (what parties send).

import type { SimMediaBehaviour, SimMediaState, SimSound } from '../../client/sim.js';
import { readInput, requireBinaryStdout, writeOutput } from '../files.js';
import { describeMedia, table } from '../format.js';
import { parseCommand, parseId, parseNumber, simClient, stringFlag, type ParsedCommand } from '../options.js';
import { UsageError } from '../settings.js';

export const PLAY_USAGE = `Usage: switchboard play PARTY FILE|- [--raw] [--json]
       switchboard play PARTY --tone HZ[,HZ] --ms N [--level=DBM0] [--json]
       switchboard play PARTY --dtmf KEYS [--json]
  The party (Connected) plays a sound into its call until it ends: a WAV file (any rate, depth, channels;
  - reads stdin), raw PCM with --raw (s16le, 8000 Hz, mono), a tone for N ms, or keys as in-band DTMF tones.`;
export const RECORD_USAGE = `Usage: switchboard record PARTY [-o FILE] [--raw] [--json]
  Everything the party heard since it connected (also after it left): a WAV file (8 kHz mono 16-bit),
  or raw s16le PCM with --raw. Written to FILE, or to stdout when it is not a terminal.`;
export const MEDIA_USAGE = `Usage: switchboard media [--json]   (the media behaviours in force)
       switchboard media default KIND [KIND FLAGS] [--json]
       switchboard media number NUMBER KIND [KIND FLAGS] [--json]
       switchboard media device DN DEVICE-ID KIND [KIND FLAGS] [--json]
  What simulated parties send in calls connected from now on. KIND and its flags:
    silence
    echo [--delay MS]                        what the party hears, MS later (default 60)
    tone --frequency HZ[,HZ] [--level=DBM0]  one frequency or two
    wav --path FILE [--loop]                 a WAV file on the server, once or looped`;

/** Comma-separated frequencies: one number, or an array of two. */
function frequencies(text: string, flag: string): number | number[] {
  const values = text.split(',').map((part) => parseNumber(part, flag));
  return values.length === 1 ? values[0]! : values;
}

/** The sound the flags ask for (exactly one of FILE, --tone, --dtmf), and how to name it. */
async function soundOf(file: string | undefined, values: ParsedCommand['values']): Promise<{ sound: SimSound; name: string }> {
  const tone = stringFlag(values, 'tone');
  const dtmf = stringFlag(values, 'dtmf');
  if ([file, tone, dtmf].filter((given) => given !== undefined).length !== 1) throw new UsageError('give one sound: FILE, --tone or --dtmf');
  if (tone === undefined && (values.ms !== undefined || values.level !== undefined)) throw new UsageError('--ms and --level go with --tone');
  if (file === undefined && values.raw) throw new UsageError('--raw goes with FILE');
  if (tone !== undefined) {
    const ms = stringFlag(values, 'ms');
    if (ms === undefined) throw new UsageError('--tone needs --ms');
    const level = stringFlag(values, 'level');
    const sound = { tone: frequencies(tone, '--tone'), ms: parseNumber(ms, '--ms'), ...(level === undefined ? {} : { levelDbm0: parseNumber(level, '--level') }) };
    return { sound, name: `a ${tone.split(',').join(' + ')} Hz tone` };
  }
  if (dtmf !== undefined && !/^[0-9*#A-Da-d]{1,64}$/.test(dtmf)) throw new UsageError(`--dtmf takes keys of a phone: 0-9, *, # or A-D, at most 64 of them; got '${dtmf}'`);
  if (dtmf !== undefined) return { sound: { dtmf }, name: `the keys ${dtmf} as tones` };
  const bytes = await readInput(file!);
  return { sound: values.raw ? { pcm: bytes } : { wav: bytes }, name: file === '-' ? 'stdin' : file! };
}

export async function play(argv: string[]): Promise<number> {
  const flags = { raw: { type: 'boolean' }, tone: { type: 'string' }, ms: { type: 'string' }, level: { type: 'string' }, dtmf: { type: 'string' } } as const;
  const { values, positionals, settings } = parseCommand(argv, flags, ['PARTY'], ['FILE']);
  const id = parseId(positionals[0]!, 'PARTY');
  const sim = simClient(settings);
  const { sound, name } = await soundOf(positionals[1], values);
  const result = await sim.playAudio(id, sound);
  console.log(settings.json ? JSON.stringify(result) : `party ${id} is playing ${name} (${result.durationMs} ms)`);
  return 0;
}

export async function record(argv: string[]): Promise<number> {
  const { values, positionals, settings } = parseCommand(argv, { output: { type: 'string', short: 'o' }, raw: { type: 'boolean' } }, ['PARTY']);
  const id = parseId(positionals[0]!, 'PARTY');
  const file = stringFlag(values, 'output');
  const sim = simClient(settings);
  if (file === undefined) requireBinaryStdout();
  const format = values.raw ? 'raw' : 'wav';
  const recording = await sim.recording(id, { format });
  if (file === undefined) {
    process.stdout.write(recording);
    return 0;
  }
  await writeOutput(file, recording);
  const what = format === 'raw' ? 'raw PCM' : 'WAV';
  console.log(settings.json ? JSON.stringify({ party: id, file, format, bytes: recording.length }) : `wrote what party ${id} heard to ${file} (${what}, ${recording.length} bytes)`);
  return 0;
}

/** The behaviour KIND and its flags ask for. */
function behaviourOf(kind: string, values: ParsedCommand['values']): SimMediaBehaviour {
  const allowed: Record<string, string[]> = { silence: [], echo: ['delay'], tone: ['frequency', 'level'], wav: ['path', 'loop'] };
  const own = allowed[kind];
  if (!Object.hasOwn(allowed, kind) || !own) throw new UsageError(`KIND must be silence, echo, tone or wav, got '${kind}'`);
  const stray = Object.keys(allowed).flatMap((k) => allowed[k]!).find((flag) => values[flag] !== undefined && !own.includes(flag));
  if (stray) throw new UsageError(`--${stray} does not go with ${kind}`);
  const delay = stringFlag(values, 'delay');
  const frequency = stringFlag(values, 'frequency');
  const level = stringFlag(values, 'level');
  const path = stringFlag(values, 'path');
  switch (kind) {
    case 'echo':
      return { kind, ...(delay === undefined ? {} : { delayMs: parseNumber(delay, '--delay') }) };
    case 'tone':
      if (frequency === undefined) throw new UsageError('tone needs --frequency HZ');
      return { kind, frequencyHz: frequencies(frequency, '--frequency'), ...(level === undefined ? {} : { levelDbm0: parseNumber(level, '--level') }) };
    case 'wav':
      if (path === undefined) throw new UsageError('wav needs --path FILE (a file on the server)');
      return { kind, path, ...(values.loop ? { loop: true } : {}) };
    default:
      return { kind: 'silence' };
  }
}

export function formatMedia(state: SimMediaState): string {
  const rows = [
    ['default', '', '', describeMedia(state.default)],
    ...Object.entries(state.numbers).map(([number, media]) => ['number', number, '', describeMedia(media)]),
    ...state.devices.map((device) => ['device', device.dn, device.deviceId, describeMedia(device.media)]),
  ];
  return table(['FOR', 'NUMBER/DN', 'DEVICE', 'SENDS'], rows);
}

export async function media(argv: string[]): Promise<number> {
  const flags = { delay: { type: 'string' }, frequency: { type: 'string' }, level: { type: 'string' }, path: { type: 'string' }, loop: { type: 'boolean' } } as const;
  const { values, positionals, settings } = parseCommand(argv, flags, [], ['default|number|device', 'NUMBER or DN', 'DEVICE-ID', 'KIND']);
  const [scope, ...rest] = positionals;
  const sim = simClient(settings);
  if (scope === undefined) {
    if (Object.keys(flags).some((flag) => values[flag] !== undefined)) throw new UsageError('the behaviour flags go with KIND');
    const state = await sim.media();
    console.log(settings.json ? JSON.stringify(state) : formatMedia(state));
    return 0;
  }
  const targets: Record<string, string[]> = { default: [], number: ['NUMBER'], device: ['DN', 'DEVICE-ID'] };
  const names = Object.hasOwn(targets, scope) ? targets[scope] : undefined;
  if (!names) throw new UsageError(`media takes default, number or device, got '${scope}'`);
  if (rest.length !== names.length + 1) throw new UsageError(`media ${scope} takes ${[...names, 'KIND'].join(' ')}`);
  const behaviour = behaviourOf(rest[names.length]!, values);
  const [first, second] = rest as [string, string];
  const result =
    scope === 'number' ? await sim.setNumberMedia(first, behaviour) : scope === 'device' ? await sim.setDeviceMedia(first, second, behaviour) : await sim.setDefaultMedia(behaviour);
  const who = scope === 'number' ? `number ${first} now sends` : scope === 'device' ? `device ${second} of ${first} now sends` : 'parties without their own behaviour now send';
  console.log(settings.json ? JSON.stringify(result) : `${who} ${describeMedia(result.media)} (in calls connected from now on)`);
  return 0;
}
