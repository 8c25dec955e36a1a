// What `switchboard serve` runs with: flags over environment over the configuration file.

import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { demoConfig } from '../config/demo.js';
import { loadConfigFile } from '../config/load.js';
import type { PbxConfig } from '../config/types.js';

export const USAGE = `Usage: switchboard serve [--config FILE] [--host HOST] [--port PORT] [--tls-cert FILE --tls-key FILE] [--sip-host HOST] [--sip-port PORT] [--fake-clock]

Runs the 3CX Call Control API server. Without --config (or SWITCHBOARD_CONFIG) it runs the embedded demo PBX.
SIP (UDP and TCP on one port; 0 picks a free port) follows server.sip unless --sip-host/--sip-port say otherwise.
Environment: SWITCHBOARD_CONFIG, SWITCHBOARD_HOST, SWITCHBOARD_PORT, SWITCHBOARD_SIP_HOST, SWITCHBOARD_SIP_PORT,
SWITCHBOARD_DEMO_SECRET, SWITCHBOARD_DEMO_SIP_PASSWORD, SWITCHBOARD_ADMIN_KEY.`;


export interface ServeSettings {
  config: PbxConfig;
  source: string;
  demoSecret: string | null;
  /** The SIP password of the demo extensions 100-103 (null with a configuration file). */
  demoSipPassword: string | null;
  host: string;
  port: number;
  adminKey: string;
  fakeClock: boolean;
}

/** Works out what `serve` runs with: flags over environment over the configuration file. Throws ConfigError or UsageError. */
export function resolveServeSettings(argv: string[], env: NodeJS.ProcessEnv): ServeSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'sip-host': { type: 'string' },
      'sip-port': { type: 'string' },
      'fake-clock': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const file = values.config || env.SWITCHBOARD_CONFIG || undefined; // an empty value means unset
  let config: PbxConfig;
  let demoSecret: string | null = null;
  let demoSipPassword: string | null = null;
  if (file) {
    config = loadConfigFile(file);
  } else {
    demoSecret = env.SWITCHBOARD_DEMO_SECRET || randomBytes(18).toString('base64url');
    demoSipPassword = env.SWITCHBOARD_DEMO_SIP_PASSWORD || randomBytes(12).toString('base64url');
    config = demoConfig({ demoSecret, sipPassword: demoSipPassword });
  }
  const tlsCert = values['tls-cert'];
  const tlsKey = values['tls-key'];
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (tlsCert !== undefined && tlsKey !== undefined) config.server.tls = { ...config.server.tls, enabled: true, cert: resolve(tlsCert), key: resolve(tlsKey) };
  const port = portSetting('--port', values.port ?? env.SWITCHBOARD_PORT, config.server.port);
  const sipHost = values['sip-host'] ?? (env.SWITCHBOARD_SIP_HOST || undefined);
  const sipPort = portSetting('--sip-port', values['sip-port'] ?? (env.SWITCHBOARD_SIP_PORT || undefined), config.server.sip.port);
  config.server.sip = { ...config.server.sip, port: sipPort, ...(sipHost === undefined ? {} : { host: sipHost }) };
  const adminKey = env.SWITCHBOARD_ADMIN_KEY || config.server.sim.adminKey || randomBytes(18).toString('base64url');
  return {
    config,
    source: file ?? 'the embedded demo PBX',
    demoSecret,
    demoSipPassword,
    host: values.host ?? env.SWITCHBOARD_HOST ?? config.server.host,
    port,
    adminKey,
    fakeClock: values['fake-clock'] ?? false,
  };
}



function portSetting(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!/^[0-9]+$/.test(text) || port > 65535) throw new UsageError(`${flag} must be a whole number from 0 to 65535, got '${text}'`);
  return port;
}

export class UsageError extends Error {}
