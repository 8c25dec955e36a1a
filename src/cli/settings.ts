// What `switchboard serve` runs with: flags over environment over the configuration file.

import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { demoConfig } from '../config/demo.js';
import { checkSecretVariable, loadConfigFile } from '../config/load.js';
import type { PbxConfig } from '../config/types.js';
import { CONFIG_LIMITS } from '../limits.js';
import { UsageError } from './usage-error.js';

export { SERVE_USAGE as USAGE } from './usage.js';
export { UsageError } from './usage-error.js';

export interface ServeSettings {
  config: PbxConfig;
  source: string;
  demoSecret: string | null;
  /** The SIP password of the demo extensions 100-103 (null with a configuration file). */
  demoSipPassword: string | null;
  /** Whether the demo SIP password was made up at start (then it is printed; a given one is not). */
  demoSipPasswordGenerated: boolean;
  /** Whether the demo secret was made up at start (then it is printed; a given one is not). */
  demoSecretGenerated: boolean;
  host: string;
  port: number;
  adminKey: string;
  /** Where the admin key came from: only a generated key is printed. */
  adminKeySource: 'SWITCHBOARD_ADMIN_KEY' | 'configuration' | 'generated';
  fakeClock: boolean;
  /** Written with the URL once the server listens, removed when it stops. */
  readyFile: string | undefined;
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
      'ready-file': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const file = values.config || env.SWITCHBOARD_CONFIG || undefined; // an empty value means unset
  let config: PbxConfig;
  let demoSecret: string | null = null;
  let demoSipPassword: string | null = null;
  const givenDemoSecret = env.SWITCHBOARD_DEMO_SECRET || undefined; // an empty value means unset
  const givenSipPassword = env.SWITCHBOARD_DEMO_SIP_PASSWORD || undefined;
  if (file) {
    config = loadConfigFile(file);
  } else {
    if (givenDemoSecret !== undefined) checkSecretVariable('SWITCHBOARD_DEMO_SECRET', givenDemoSecret, CONFIG_LIMITS.minSecretChars);
    demoSecret = givenDemoSecret ?? randomBytes(18).toString('base64url');
    demoSipPassword = givenSipPassword ?? randomBytes(12).toString('base64url');
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
  const givenAdminKey = env.SWITCHBOARD_ADMIN_KEY || undefined;
  if (givenAdminKey !== undefined) checkSecretVariable('SWITCHBOARD_ADMIN_KEY', givenAdminKey, CONFIG_LIMITS.minAdminKeyChars);
  const adminKeySource = givenAdminKey !== undefined ? 'SWITCHBOARD_ADMIN_KEY' : config.server.sim.adminKey !== null ? 'configuration' : 'generated';
  const adminKey = givenAdminKey ?? config.server.sim.adminKey ?? randomBytes(18).toString('base64url');
  return {
    config,
    source: file ?? 'the embedded demo PBX',
    demoSecret,
    demoSipPassword,
    demoSipPasswordGenerated: demoSipPassword !== null && givenSipPassword === undefined,
    demoSecretGenerated: demoSecret !== null && givenDemoSecret === undefined,
    adminKeySource,
    host: values.host ?? env.SWITCHBOARD_HOST ?? config.server.host,
    port,
    adminKey,
    fakeClock: values['fake-clock'] ?? false,
    readyFile: values['ready-file'] === undefined ? undefined : resolve(values['ready-file']),
  };
}



function portSetting(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!/^[0-9]+$/.test(text) || port > 65535) throw new UsageError(`${flag} must be a whole number from 0 to 65535, got '${text}'`);
  return port;
}
