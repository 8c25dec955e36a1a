// The embedded demo PBX that `switchboard serve` runs without a configuration file; docs/examples/pbx.yaml writes it out.
import { normalizeConfig } from './load.js';
import type { PbxConfigFile } from './schema.js';
import type { PbxConfig } from './types.js';

/**
 * The demo PBX: route point 800 with its application, extensions 100-103 with phones of every behaviour,
 * IVR 801, queue 802, trunk 10000 with three DIDs and a few scripted external numbers.
 * Built from the same file format as a configuration file and validated like one.
 * @param options.demoSecret the secret (client_secret) of the demo application, client id `800`.
 * @param options.sipPassword the SIP password of extensions 100-103 (auth id: the extension number); absent: no SIP credentials.
 * @throws ConfigError when the secret or password is not acceptable (8 to 200 characters).
 */
export function demoConfig(options: { demoSecret: string; sipPassword?: string }): PbxConfig {
  const file = demoFile(options.demoSecret);
  if (options.sipPassword !== undefined) for (const extension of file.extensions ?? []) extension.sip = { password: options.sipPassword };
  return normalizeConfig(file, '<demo>', process.cwd());
}

function demoFile(secret: string): PbxConfigFile {
  return {
    routePoints: [
      {
        number: '800',
        name: 'Demo App',
        autoAnswer: true,
        device: { id: 'sip:800@127.0.0.1:5070', userAgent: 'Switchboard Route Point' },
      },
    ],
    applications: [{ clientId: '800', secret, monitor: ['100', '101', '102', '103', '801', '802'], streamMonitoredDns: false }],
    extensions: demoExtensions(),
    ivrs: [
      {
        number: '801',
        name: 'Main menu',
        device: { id: 'sip:801@127.0.0.1:5071', userAgent: 'Switchboard IVR' },
        prompt: null,
        menu: { '1': '100', '2': '802' },
        timeoutSeconds: 10,
        timeoutDestination: '800',
      },
    ],
    queues: [
      {
        number: '802',
        name: 'Support',
        device: { id: 'sip:802@127.0.0.1:5072', userAgent: 'Switchboard Queue' },
        agents: ['100', '101'],
        strategy: 'ring-all',
        ringSeconds: 20,
        holdTimeoutSeconds: 120,
        overflowDestination: null,
        holdMusic: null,
      },
    ],
    trunks: [
      {
        number: '10000',
        name: 'PSTN',
        device: { id: 'sip:10000@127.0.0.1:5090', userAgent: 'Switchboard Trunk' },
        dids: [
          { number: '+15550100', destination: '800' },
          { number: '+15550101', destination: '801' },
          { number: '+15550102', destination: '802' },
        ],
      },
    ],
    external: {
      default: { kind: 'answer', afterMs: 1000 },
      numbers: [
        { number: '+15550001', behaviour: 'busy' },
        { number: '+15550002', behaviour: 'never' },
        { number: '+15550003', behaviour: 'unreachable' },
      ],
    },
  };
}

/** Alice answers after a second, Bob has a desk phone and a softphone answered by hand, Carol is off, Dave never answers. */
function demoExtensions(): NonNullable<PbxConfigFile['extensions']> {
  return [
    {
      number: '100',
      name: 'Alice',
      devices: [{ id: 'sip:100@127.0.0.1:5160', directControl: true, behaviour: { kind: 'answer', afterMs: 1000 } }],
    },
    {
      number: '101',
      name: 'Bob',
      devices: [
        { id: 'sip:101@127.0.0.1:5161', userAgent: 'Switchboard DeskPhone 1.0', directControl: false, behaviour: { kind: 'answer', afterMs: 3000 } },
        // Bob's softphone answers only when told to (through /sim or, being directly controlled, through the API).
        { id: 'sip:101@127.0.0.1:5261;transport=tcp', directControl: true, behaviour: 'manual' },
      ],
    },
    {
      number: '102',
      name: 'Carol',
      // Configured but switched off: Carol has no registered device, so calls to her cannot reach a phone.
      devices: [{ id: 'sip:102@127.0.0.1:5162', registered: false }],
    },
    {
      number: '103',
      name: 'Dave',
      devices: [{ id: 'sip:103@127.0.0.1:5163', behaviour: 'never' }],
    },
  ];
}
