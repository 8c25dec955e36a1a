// Flags and environment shared by the client commands: where the server is, the application's credentials, the admin key.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CallControlClient } from '../client/call-control.js';
import { SimClient } from '../client/sim.js';
import { UsageError } from './usage-error.js';

export const DEFAULT_URL = 'http://127.0.0.1:5001';
export const DEFAULT_CLIENT_ID = '800';

/** Flags every client command accepts. */
export const CONNECTION_FLAGS = {
  url: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'admin-key': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

export const CONNECTION_HELP = `Connection (flags over environment):
  --url URL              SWITCHBOARD_URL            (default ${DEFAULT_URL})
  --client-id ID         SWITCHBOARD_CLIENT_ID      (default ${DEFAULT_CLIENT_ID})
  --client-secret KEY    SWITCHBOARD_CLIENT_SECRET  (or SWITCHBOARD_DEMO_SECRET)
  --admin-key KEY        SWITCHBOARD_ADMIN_KEY      (for call, answer, hangup, dtmf, state, play, record, media)
  --json                 print JSON instead of tables`;

export interface ConnectionSettings {
  url: string;
  clientId: string;
  clientSecret: string | undefined;
  adminKey: string | undefined;
  json: boolean;
}

type ConnectionValues = { url?: string; 'client-id'?: string; 'client-secret'?: string; 'admin-key'?: string; json?: boolean };

/** Flags over environment over defaults; an empty environment variable counts as unset. */
export function connectionSettings(values: ConnectionValues, env: NodeJS.ProcessEnv): ConnectionSettings {
  const pick = (...candidates: (string | undefined)[]) => candidates.find((value) => value !== undefined && value !== '');
  const url = pick(values.url, env.SWITCHBOARD_URL) ?? DEFAULT_URL;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new UsageError(`--url must be an http:// or https:// URL, got '${url}'`);
  return {
    url: url.replace(/\/+$/, ''),
    clientId: pick(values['client-id'], env.SWITCHBOARD_CLIENT_ID) ?? DEFAULT_CLIENT_ID,
    clientSecret: pick(values['client-secret'], env.SWITCHBOARD_CLIENT_SECRET, env.SWITCHBOARD_DEMO_SECRET),
    adminKey: pick(values['admin-key'], env.SWITCHBOARD_ADMIN_KEY),
    json: values.json ?? false,
  };
}

export function callControlClient(settings: ConnectionSettings): CallControlClient {
  if (settings.clientSecret === undefined) throw new UsageError('no client secret: pass --client-secret or set SWITCHBOARD_CLIENT_SECRET');
  return new CallControlClient({ baseUrl: settings.url, clientId: settings.clientId, clientSecret: settings.clientSecret });
}

export function simClient(settings: ConnectionSettings): SimClient {
  if (settings.adminKey === undefined) throw new UsageError('no admin key: pass --admin-key or set SWITCHBOARD_ADMIN_KEY (serve prints it)');
  return new SimClient({ baseUrl: settings.url, adminKey: settings.adminKey });
}

export interface ParsedCommand {
  /** Command-specific flags, as given (strings, or true for a boolean flag that is present). */
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  settings: ConnectionSettings;
}

/** A command-specific flag: a string value, or a boolean switch; `short` is its one-letter form (`-o`). */
export type FlagSpec = { type: 'string' | 'boolean'; short?: string };

/**
 * Parses a client command's arguments: the connection flags plus `flags`, the positionals named, then at most the
 * optional ones. Throws UsageError (or parseArgs' TypeError) on anything else.
 */
export function parseCommand(argv: string[], flags: Record<string, FlagSpec>, positionalNames: string[], optionalNames: string[] = []): ParsedCommand {
  const { values, positionals } = parseArgs({ args: argv, options: { ...CONNECTION_FLAGS, ...flags }, strict: true, allowPositionals: true });
  const most = positionalNames.length + optionalNames.length;
  if (positionals.length < positionalNames.length) throw new UsageError(`missing ${positionalNames.slice(positionals.length).join(' and ')}`);
  if (positionals.length > most) throw new UsageError(`unexpected argument '${positionals[most]}'`);
  return { values: values as ParsedCommand['values'], positionals, settings: connectionSettings(values as ConnectionValues, process.env) };
}

/** A string flag's value, or undefined when it was not given. */
export function stringFlag(values: ParsedCommand['values'], key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

/** A party or participant id from the command line. */
export function parseId(text: string, what: string): number {
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > 2_147_483_647) throw new UsageError(`${what} must be a participant id (a whole number), got '${text}'`);
  return Number(text);
}

/** A number flag (the server checks its range). */
export function parseNumber(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag} must be a number, got '${text}'`);
  return value;
}

/** A whole number flag within bounds. */
export function parseCount(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
  return value;
}
