// Tests that the embedded demo PBX is exactly the one documented, passes validation, and matches docs/examples/pbx.yaml.

import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { demoConfig } from '../../src/config/demo.js';
import { ConfigError, loadConfigFile } from '../../src/config/load.js';
import type { PbxConfig } from '../../src/config/types.js';

const SECRET = 'demo-secret-for-tests';

const phone = 'Switchboard SimPhone 1.0';

const EXPECTED_DEMO: PbxConfig = {
  server: {
    host: '0.0.0.0',
    port: 5001,
    dataDir: resolve(process.cwd(), '.switchboard'),
    ringTimeoutSeconds: 30,
    tokenLifetimeSeconds: 3600,
    oneLiveTokenPerApplication: false,
    logLevel: 'info',
    sim: { enabled: true, adminKey: null },
    tls: { enabled: true, cert: null, key: null, names: [] },
    sip: { enabled: true, host: '127.0.0.1', port: 5060, transports: ['udp', 'tcp'], realm: 'switchboard', algorithms: ['MD5', 'SHA-256'], banSeconds: 600, tls: { enabled: false, port: 5061 }, rtp: { address: '127.0.0.1', portMin: 10000, portMax: 20000 } },
  },
  extensions: [
    {
      number: '100',
      name: 'Alice',
      devices: [{ id: 'sip:100@127.0.0.1:5160', userAgent: phone, directControl: true, registered: true, behaviour: { kind: 'answer', afterMs: 1000 } }],
      sip: null,
    },
    {
      number: '101',
      name: 'Bob',
      devices: [
        { id: 'sip:101@127.0.0.1:5161', userAgent: 'Switchboard DeskPhone 1.0', directControl: false, registered: true, behaviour: { kind: 'answer', afterMs: 3000 } },
        { id: 'sip:101@127.0.0.1:5261;transport=tcp', userAgent: phone, directControl: true, registered: true, behaviour: { kind: 'manual' } },
      ],
      sip: null,
    },
    {
      number: '102',
      name: 'Carol',
      devices: [{ id: 'sip:102@127.0.0.1:5162', userAgent: phone, directControl: false, registered: false, behaviour: { kind: 'answer', afterMs: 1000 } }],
      sip: null,
    },
    {
      number: '103',
      name: 'Dave',
      devices: [{ id: 'sip:103@127.0.0.1:5163', userAgent: phone, directControl: false, registered: true, behaviour: { kind: 'never' } }],
      sip: null,
    },
  ],
  routePoints: [{ number: '800', name: 'Demo App', autoAnswer: true, device: { id: 'sip:800@127.0.0.1:5070', userAgent: 'Switchboard Route Point' } }],
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
  applications: [{ clientId: '800', secret: SECRET, monitor: ['100', '101', '102', '103', '801', '802'], streamMonitoredDns: false }],
  external: {
    defaultBehaviour: { kind: 'answer', afterMs: 1000 },
    numbers: [
      { number: '+15550001', behaviour: { kind: 'busy' }, callerName: '' },
      { number: '+15550002', behaviour: { kind: 'never' }, callerName: '' },
      { number: '+15550003', behaviour: { kind: 'unreachable' }, callerName: '' },
    ],
  },
};

describe('demoConfig', () => {
  test('is exactly the documented demo PBX: every DN, device, behaviour, DID and external rule', () => {
    assert.deepEqual(demoConfig({ demoSecret: SECRET }), EXPECTED_DEMO);
  });

  test('with a SIP password, extensions 100-103 take it with their number as auth id; without one none can register', () => {
    const config = demoConfig({ demoSecret: SECRET, sipPassword: 'demo-sip-password' });
    assert.deepEqual(
      config.extensions.map((extension) => [extension.number, extension.sip]),
      ['100', '101', '102', '103'].map((number) => [number, { authId: number, password: 'demo-sip-password', autoAnswer: 'none' }]),
    );
    assert.ok(demoConfig({ demoSecret: SECRET }).extensions.every((extension) => extension.sip === null));
  });

  test('device ids look like real SIP contacts, and at least one carries parameters', () => {
    const config = demoConfig({ demoSecret: SECRET });
    const ids = [
      ...config.extensions.flatMap((extension) => extension.devices.map((device) => device.id)),
      ...[...config.routePoints, ...config.ivrs, ...config.queues, ...config.trunks].map((dn) => dn.device.id),
    ];
    for (const id of ids) assert.match(id, /^sip:[0-9]+@127\.0\.0\.1:[0-9]+(;.*)?$/);
    assert.ok(ids.some((id) => id.includes(';')));
    assert.equal(new Set(ids).size, ids.length);
  });

  test('each call returns a fresh object, so a test that changes one cannot leak into the next', () => {
    const first = demoConfig({ demoSecret: SECRET });
    first.extensions[0]!.devices[0]!.behaviour = { kind: 'busy' };
    assert.deepEqual(demoConfig({ demoSecret: SECRET }).extensions[0]!.devices[0]!.behaviour, { kind: 'answer', afterMs: 1000 });
  });

  test('validates the secret like a configuration file does, naming the source <demo>', () => {
    assert.throws(
      () => demoConfig({ demoSecret: 'short' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [{ file: '<demo>', path: 'applications[0].secret', message: 'must be a string of 8 to 200 characters, got 5 characters' }]);
        return true;
      },
    );
  });

  test('is docs/examples/pbx.yaml without queue 803 and the +44 pattern rule', () => {
    const example = loadConfigFile('docs/examples/pbx.yaml');
    assert.equal(example.queues[1]?.number, '803');
    assert.ok(example.external.numbers.some((rule) => 'pattern' in rule));
    const trimmed: PbxConfig = {
      ...example,
      server: { ...example.server, dataDir: EXPECTED_DEMO.server.dataDir },
      queues: example.queues.filter((queue) => queue.number !== '803'),
      applications: example.applications.map((application) => ({ ...application, secret: SECRET })),
      external: { ...example.external, numbers: example.external.numbers.filter((rule) => !('pattern' in rule)) },
    };
    assert.deepEqual(trimmed, EXPECTED_DEMO);
  });
});
