// Tests of the configuration loader: the documented example and defaults, shorthands, paths, and precise problem reports.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, type ConfigProblem, loadConfigFile, normalizeConfig, parseConfig } from '../../src/config/load.js';
import { CONFIG_LIMITS } from '../../src/limits.js';

const EXAMPLE = 'docs/examples/pbx.yaml';
const DOC = 'docs/configuration.md';

const tempRoot = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
after(() => rmSync(tempRoot, { recursive: true, force: true }));

// Writes text to a file under a fresh temp folder and returns the file's path.
function writeTemp(name: string, text: string): string {
  const path = join(mkdtempSync(join(tempRoot, 'case-')), name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

// The problems a configuration text yields, failing the test when it loads.
function problemsOf(text: string): ConfigProblem[] {
  try {
    parseConfig(text, 'pbx.yaml', '/base');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

// Only the problem lines `PATH: MESSAGE`, for compact expectations.
function problemLines(text: string): string[] {
  return problemsOf(text).map((problem) => `${problem.path}: ${problem.message}`);
}

const MINIMAL_PBX = `
routePoints:
  - number: 800
extensions:
  - number: 100
`;

describe('the example file (docs/examples/pbx.yaml)', () => {
  const config = loadConfigFile(EXAMPLE);

  test('loads with the values written in it', () => {
    assert.equal(config.server.port, 5001);
    assert.equal(config.server.tokenLifetimeSeconds, 3600);
    assert.equal(config.server.sim.adminKey, null);
    assert.deepEqual(config.routePoints[0], { number: '800', name: 'Demo App', autoAnswer: true, device: { id: 'sip:800@127.0.0.1:5070', userAgent: 'Switchboard Route Point' } });
    assert.deepEqual(config.applications[0], { clientId: '800', secret: 'change-me-demo-secret', monitor: ['100', '101', '102', '103', '801', '802'], streamMonitoredDns: false });
    assert.deepEqual(config.ivrs[0]?.menu, { '1': '100', '2': '802' });
    assert.deepEqual(config.trunks[0]?.dids[0], { number: '+15550100', destination: '800' });
    assert.deepEqual(config.external.numbers[3], { pattern: '\\+44[0-9]+', behaviour: { kind: 'reject' }, callerName: 'UK Office' });
  });

  test('applies the documented defaults to what it leaves out', () => {
    const carol = config.extensions.find((extension) => extension.number === '102');
    assert.deepEqual(carol?.devices[0], { id: 'sip:102@127.0.0.1:5162', userAgent: 'Switchboard SimPhone 1.0', directControl: false, registered: false, behaviour: { kind: 'answer', afterMs: 1000 } });
    assert.deepEqual(config.queues[1], {
      number: '803',
      name: 'Sales',
      device: { id: 'sip:803@127.0.0.1', userAgent: 'Switchboard Queue' },
      agents: ['101', '100'],
      strategy: 'in-order',
      ringSeconds: 15,
      holdTimeoutSeconds: 60,
      overflowDestination: '801',
      holdMusic: null,
    });
    assert.equal(config.external.numbers[0]?.callerName, '');
  });

  test('resolves dataDir against the file folder, not the working directory', () => {
    assert.equal(config.server.dataDir, resolve('docs/examples/.switchboard'));
  });

  test('uses every section and every key at least once', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const keys = [
      ...['server', 'host', 'port', 'dataDir', 'ringTimeoutSeconds', 'tokenLifetimeSeconds', 'oneLiveTokenPerApplication', 'logLevel', 'sim', 'enabled', 'adminKey'],
      ...['extensions', 'number', 'name', 'devices', 'id', 'userAgent', 'directControl', 'registered', 'behaviour', 'kind', 'afterMs'],
      ...['routePoints', 'autoAnswer', 'device', 'ivrs', 'prompt', 'menu', 'timeoutSeconds', 'timeoutDestination'],
      ...['queues', 'agents', 'strategy', 'ringSeconds', 'holdTimeoutSeconds', 'overflowDestination', 'holdMusic'],
      ...['trunks', 'dids', 'destination', 'applications', 'clientId', 'secret', 'monitor', 'streamMonitoredDns', 'external', 'default', 'numbers', 'pattern', 'callerName'],
    ];
    for (const key of keys) assert.match(text, new RegExp(`(^|[\\s{,])${key}:`, 'm'), `${key} is not used`);
  });

  test('is included verbatim in docs/configuration.md', () => {
    const doc = readFileSync(DOC, 'utf8');
    assert.ok(doc.includes('```yaml\n' + readFileSync(EXAMPLE, 'utf8') + '```'));
  });

  test("the documentation's error example is what the loader reports", () => {
    const section = readFileSync(DOC, 'utf8').split('## Errors')[1] ?? '';
    const [, yaml, report] = /```yaml\n([\s\S]*?)```[\s\S]*?```\n([\s\S]*?)```/.exec(section) ?? [];
    assert.ok(yaml && report, 'the Errors section has a YAML block and a report block');
    assert.throws(() => parseConfig(yaml, 'pbx.yaml', '/'), (error: unknown) => error instanceof ConfigError && error.message === report.trimEnd());
  });
});

describe('defaults', () => {
  test('an empty file is an empty PBX with default server settings', () => {
    const config = parseConfig('# nothing yet\n', 'pbx.yaml', '/base');
    assert.deepEqual(config, {
      server: {
        host: '0.0.0.0',
        port: 5001,
        dataDir: resolve('/base/.switchboard'),
        ringTimeoutSeconds: 30,
        tokenLifetimeSeconds: 3600,
        oneLiveTokenPerApplication: false,
        logLevel: 'info',
        sim: { enabled: true, adminKey: null },
        tls: { enabled: true, cert: null, key: null, names: [] },
        sip: { enabled: true, host: '127.0.0.1', port: 5060, transports: ['udp', 'tcp'], realm: 'switchboard', algorithms: ['MD5', 'SHA-256'], banSeconds: 600, tls: { enabled: false, port: 5061 }, rtp: { address: '127.0.0.1', portMin: 10000, portMax: 20000 } },
      },
      extensions: [],
      routePoints: [],
      ivrs: [],
      queues: [],
      trunks: [],
      applications: [],
      external: { defaultBehaviour: { kind: 'answer', afterMs: 1000 }, numbers: [] },
    });
  });

  test('fills in every optional key of every kind of DN', () => {
    const config = parseConfig(
      `
extensions:
  - number: 100
    devices: [{ id: a }]
routePoints: [{ number: ai }]
ivrs: [{ number: 801 }]
queues: [{ number: 802, agents: [100] }]
trunks: [{ number: 10000 }]
applications: [{ clientId: ai, secret: '12345678' }]
external:
  numbers: [{ number: '+4420', behaviour: busy }]
`,
      'pbx.yaml',
      '/base',
    );
    assert.deepEqual(config.extensions, [
      { number: '100', name: '', devices: [{ id: 'a', userAgent: 'Switchboard SimPhone 1.0', directControl: false, registered: true, behaviour: { kind: 'answer', afterMs: 1000 } }], sip: null },
    ]);
    assert.deepEqual(config.routePoints, [{ number: 'ai', name: '', autoAnswer: true, device: { id: 'sip:ai@127.0.0.1', userAgent: 'Switchboard Route Point' } }]);
    assert.deepEqual(config.ivrs, [
      { number: '801', name: '', device: { id: 'sip:801@127.0.0.1', userAgent: 'Switchboard IVR' }, prompt: null, menu: {}, timeoutSeconds: 10, timeoutDestination: null },
    ]);
    assert.deepEqual(config.queues, [
      {
        number: '802',
        name: '',
        device: { id: 'sip:802@127.0.0.1', userAgent: 'Switchboard Queue' },
        agents: ['100'],
        strategy: 'ring-all',
        ringSeconds: 20,
        holdTimeoutSeconds: 120,
        overflowDestination: null,
        holdMusic: null,
      },
    ]);
    assert.deepEqual(config.trunks, [{ number: '10000', name: '', device: { id: 'sip:10000@127.0.0.1', userAgent: 'Switchboard Trunk' }, dids: [] }]);
    assert.deepEqual(config.applications, [{ clientId: 'ai', secret: '12345678', monitor: [], streamMonitoredDns: false }]);
    assert.deepEqual(config.external.numbers, [{ number: '+4420', behaviour: { kind: 'busy' }, callerName: '' }]);
  });

  test('a system device given without userAgent gets the kind default', () => {
    const config = parseConfig(`ivrs: [{ number: 801, device: { id: 'sip:801@10.0.0.1:5071' } }]`, 'pbx.yaml', '/base');
    assert.deepEqual(config.ivrs[0]?.device, { id: 'sip:801@10.0.0.1:5071', userAgent: 'Switchboard IVR' });
  });
});

describe('shorthands and numbers', () => {
  test('a behaviour is a word or a mapping; answer alone answers at once', () => {
    const config = parseConfig(
      `
extensions:
  - number: 100
    devices:
      - { id: a, behaviour: answer }
      - { id: b, behaviour: { kind: answer } }
      - { id: c, behaviour: { kind: answer, afterMs: 2500 } }
      - { id: d, behaviour: manual }
      - { id: e, behaviour: { kind: busy } }
      - { id: f, behaviour: reject }
      - { id: g, behaviour: never }
      - { id: h, behaviour: unreachable }
external:
  default: busy
`,
      'pbx.yaml',
      '/base',
    );
    assert.deepEqual(
      config.extensions[0]?.devices.map((device) => device.behaviour),
      [{ kind: 'answer', afterMs: 0 }, { kind: 'answer', afterMs: 0 }, { kind: 'answer', afterMs: 2500 }, { kind: 'manual' }, { kind: 'busy' }, { kind: 'reject' }, { kind: 'never' }, { kind: 'unreachable' }],
    );
    assert.deepEqual(config.external.defaultBehaviour, { kind: 'busy' });
  });

  test('YAML numbers become DN strings; unquoted +15550100 and 0100 keep their + and leading zero', () => {
    const config = parseConfig(
      `
extensions: [{ number: 100 }, { number: 0101 }, { number: '102' }]
routePoints: [{ number: 800 }]
queues: [{ number: 802, agents: [100, '102'], overflowDestination: 800 }]
ivrs: [{ number: 801, menu: { 1: 100, 2: +441234 }, timeoutDestination: 802 }]
trunks: [{ number: 10000, dids: [{ number: +15550100, destination: 800 }, { number: 15550101, destination: '801' }] }]
applications: [{ clientId: 800, secret: long-enough, monitor: [100, 0101] }]
external: { numbers: [{ number: +15550001, behaviour: busy }] }
`,
      'pbx.yaml',
      '/base',
    );
    assert.deepEqual(
      config.extensions.map((extension) => extension.number),
      ['100', '0101', '102'],
    );
    assert.deepEqual(config.queues[0]?.agents, ['100', '102']);
    assert.equal(config.queues[0]?.overflowDestination, '800');
    assert.deepEqual(config.ivrs[0]?.menu, { '1': '100', '2': '+441234' });
    assert.equal(config.ivrs[0]?.timeoutDestination, '802');
    assert.deepEqual(config.trunks[0]?.dids, [
      { number: '+15550100', destination: '800' },
      { number: '15550101', destination: '801' },
    ]);
    assert.deepEqual(config.applications[0]?.monitor, ['100', '0101']);
    assert.deepEqual(config.external.numbers[0], { number: '+15550001', behaviour: { kind: 'busy' }, callerName: '' });
  });

  test('normalizeConfig takes an already-parsed object and converts integers the same way', () => {
    const config = normalizeConfig({ routePoints: [{ number: 800 }], applications: [{ clientId: 800, secret: 'long-enough' }] }, '<inline>', '/base');
    assert.equal(config.applications[0]?.clientId, '800');
  });
});

describe('relative paths', () => {
  test('prompt, holdMusic and dataDir resolve against the folder of the file; absolute paths stay', () => {
    const path = writeTemp(
      'site/pbx.yaml',
      `
server: { dataDir: state }
extensions: [{ number: 100 }]
ivrs: [{ number: 801, prompt: prompts/menu.wav }]
queues: [{ number: 802, agents: [100], holdMusic: /srv/music/hold.wav }]
`,
    );
    const config = loadConfigFile(path);
    const folder = dirname(path);
    assert.equal(config.server.dataDir, join(folder, 'state'));
    assert.equal(config.ivrs[0]?.prompt, join(folder, 'prompts/menu.wav'));
    assert.equal(config.queues[0]?.holdMusic, resolve('/srv/music/hold.wav'));
  });

  test('parseConfig and normalizeConfig resolve against the baseDir given', () => {
    const config = normalizeConfig({ server: { dataDir: '../data' }, ivrs: [{ number: 801, prompt: 'a.wav' }] }, '<inline>', '/etc/switchboard');
    assert.equal(config.server.dataDir, resolve('/etc/data'));
    assert.equal(config.ivrs[0]?.prompt, resolve('/etc/switchboard/a.wav'));
  });
});

describe('mistakes', () => {
  test('a file with several mistakes yields one problem per mistake, all at once, in file order', () => {
    const path = writeTemp(
      'pbx.yaml',
      `routePoints:
  - number: 800
    name: Demo App
extensions:
  - number: 100
    nmae: Alice
    devices:
      - id: 'sip:100@127.0.0.1:5160'
        behaviour: bussy
  - number: 100
    name: Alice again
applications:
  - clientId: 100
    secret: demo-secret
    monitor: [100, 999]
external:
  numbers:
    - { pattern: '(+44', behaviour: busy }
queues: [ { number: 802, agents: [100] }
`,
    );
    assert.throws(
      () => loadConfigFile(path),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [
          { file: path, path: '', message: 'YAML syntax error at line 20, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]' },
          { file: path, path: 'extensions[0].nmae', message: "unknown key 'nmae' (allowed: number, name, devices, sip)" },
          { file: path, path: 'extensions[0].devices[0].behaviour', message: "must be one of answer, manual, busy, reject, never, unreachable, got 'bussy'" },
          { file: path, path: 'extensions[1].number', message: 'duplicate DN number 100 (also at extensions[0].number)' },
          { file: path, path: 'applications[0].clientId', message: "names extension 100; an application's clientId must be a route point" },
          { file: path, path: 'applications[0].monitor[1]', message: 'names DN 999, which is not configured' },
          { file: path, path: 'external.numbers[0].pattern', message: 'must be a valid regular expression: /(+44/: Nothing to repeat' },
        ]);
        assert.equal(error.message, error.problems.map((p) => (p.path ? `${p.file}: ${p.path}: ${p.message}` : `${p.file}: ${p.message}`)).join('\n'));
        return true;
      },
    );
  });

  test('schema problems name the key, what was expected and what was found', () => {
    assert.deepEqual(
      problemLines(`
server:
  port: 70000
  ringTimeoutSeconds: 0
  sim: { enabled: yes please }
extensions:
  - number: 12a
    devices:
      - { behaviour: { kind: answer, afterMs: -1, delay: 5 } }
      - id: b
        directControl: 1
  - { number: 101, name: [Bob], devices: {} }
routePoints:
  - { number: 'a-b', autoAnswer: true }
ivrs:
  - number: 801
    menu: { 11: 100, '*': [x] }
    prompt: 5
    timeoutSeconds: 1.5
queues:
  - { number: 802, agents: [], strategy: random }
  - { number: 803 }
trunks:
  - { number: 10000, dids: [{ number: 12, destination: 101 }] }
`),
      [
        'server.port: must be an integer from 1 to 65535, got 70000',
        'server.ringTimeoutSeconds: must be an integer from 1 to 3600 (seconds), got 0',
        "server.sim.enabled: must be true or false, got 'yes please'",
        "extensions[0].number: must be a string of digits (1-10 characters), got '12a'",
        'extensions[0].devices[0].behaviour.afterMs: must be an integer from 0 to 3600000 (milliseconds), got -1',
        "extensions[0].devices[0].behaviour.delay: unknown key 'delay' (allowed: kind, afterMs)",
        'extensions[0].devices[0].id: required',
        'extensions[0].devices[1].directControl: must be true or false, got 1',
        'extensions[1].name: must be a string (at most 200 characters), got a list',
        'extensions[1].devices: must be a list, got a mapping',
        "routePoints[0].number: must be a string of letters and digits (1-20 characters), got 'a-b'",
        "ivrs[0].menu[\"11\"]: invalid key '11': must be a single character: 0-9, * or #",
        'ivrs[0].menu["*"]: must be a DN number or an external phone number, got a list',
        'ivrs[0].prompt: must be a file path or null, got 5',
        'ivrs[0].timeoutSeconds: must be an integer from 1 to 3600 (seconds), got 1.5',
        'queues[0].agents: must have at least 1 entry, got 0',
        "queues[0].strategy: must be one of ring-all, in-order, got 'random'",
        'queues[1].agents: required',
        'trunks[0].dids[0].number: must be a phone number of 3-20 digits with an optional leading +, got 12',
      ],
    );
  });

  test('unknown keys are problems at every level, so typos never fall back to defaults', () => {
    assert.deepEqual(problemLines(`extension: []\nserver: { prot: 5001, sim: { adminkey: null } }`), [
      "extension: unknown key 'extension' (allowed: server, extensions, routePoints, ivrs, queues, trunks, applications, external, outbound)",
      "server.prot: unknown key 'prot' (allowed: host, port, dataDir, ringTimeoutSeconds, tokenLifetimeSeconds, oneLiveTokenPerApplication, logLevel, sim, sip, tls)",
      "server.sim.adminkey: unknown key 'adminkey' (allowed: enabled, adminKey)",
    ]);
  });

  test('secrets are reported by length, never echoed', () => {
    const lines = problemLines(`
routePoints: [{ number: 800 }]
applications: [{ clientId: 800, secret: hunter2 }]
server: { sim: { adminKey: hunter2hunter2 } }
`);
    assert.deepEqual(lines, [
      'applications[0].secret: must be a string of 8 to 200 characters, got 7 characters',
      'server.sim.adminKey: must be a string of 16 to 200 characters, got 14 characters',
    ]);
    assert.ok(!lines.join('\n').includes('hunter2'));
  });

  test('cross-checks name the offending key', () => {
    assert.deepEqual(
      problemLines(`
extensions:
  - number: 100
    devices: [{ id: a }, { id: a }]
  - number: 101
routePoints: [{ number: 800 }, { number: 100 }]
ivrs:
  - number: 801
    menu: { 1: 100, 2: '+441234', 3: 10000, 4: 77, 5: ai }
    timeoutDestination: 900
queues:
  - number: 802
    agents: [100, 801, 100, 555]
    overflowDestination: 10000
trunks:
  - number: 10000
    dids: [{ number: '+15550100', destination: 800 }]
  - number: 10001
    dids: [{ number: '+15550100', destination: 999 }]
applications:
  - { clientId: 800, secret: long-enough, monitor: [100, 100, 123] }
  - { clientId: 800, secret: long-enough }
  - { clientId: 900, secret: long-enough }
external:
  numbers:
    - { number: '+15550001', behaviour: busy }
    - { number: '+15550001', behaviour: never }
    - { number: '+15550002', pattern: '^1', behaviour: never }
    - { behaviour: never }
    - { pattern: '[', behaviour: never }
    - { number: '+15550003', behaviour: { kind: never, afterMs: 10 } }
`),
      [
        'extensions[0].devices[1].id: duplicate device id a (also at extensions[0].devices[0].id)',
        'routePoints[1].number: duplicate DN number 100 (also at extensions[0].number)',
        'ivrs[0].menu["3"]: names trunk 10000; a destination must be an extension, route point, IVR or queue',
        'ivrs[0].menu["4"]: names DN 77, which is not configured (and is not an external number of 3-20 digits either)',
        'ivrs[0].menu["5"]: names DN ai, which is not configured (and is not an external number of 3-20 digits either)',
        'ivrs[0].timeoutDestination: names DN 900, which is not configured',
        'queues[0].agents[1]: names IVR 801; queue agents must be extensions',
        'queues[0].agents[2]: 100 is listed twice (also at queues[0].agents[0])',
        'queues[0].agents[3]: names DN 555, which is not configured',
        'queues[0].overflowDestination: names trunk 10000; a destination must be an extension, route point, IVR or queue',
        'trunks[1].dids[0].number: duplicate DID +15550100 (also at trunks[0].dids[0].number)',
        'trunks[1].dids[0].destination: names DN 999, which is not configured',
        'applications[0].monitor[1]: 100 is listed twice (also at applications[0].monitor[0])',
        'applications[0].monitor[2]: names DN 123, which is not configured',
        'applications[1].clientId: route point 800 already has an application (applications[0])',
        "applications[2].clientId: names DN 900, which is not configured; an application's clientId must be a route point",
        'external.numbers[1].number: duplicate rule for +15550001 (also at external.numbers[0].number); only the first can match',
        'external.numbers[2]: has both number and pattern; a rule has one or the other',
        'external.numbers[3]: needs number (an exact number) or pattern (a regular expression)',
        'external.numbers[4].pattern: must be a valid regular expression: /[/: Unterminated character class',
        'external.numbers[5].behaviour.afterMs: only allowed with kind answer, got kind never',
      ],
    );
  });

  test('a key the schema rejected does not also produce follow-on cross-check problems', () => {
    assert.deepEqual(problemLines(`${MINIMAL_PBX}applications: [{ clientId: 'a-b', secret: long-enough, monitor: [100, 'x y'] }]`), [
      "applications[0].clientId: must be a string of letters and digits (1-20 characters), got 'a-b'",
      "applications[0].monitor[1]: must be a DN number (1-20 letters or digits), got 'x y'",
    ]);
  });

  test('a document that is not a mapping is one problem about the whole file', () => {
    assert.deepEqual(problemsOf('- extensions'), [
      { file: 'pbx.yaml', path: '', message: 'must be a mapping of sections (server, extensions, routePoints, ivrs, queues, trunks, applications, external, outbound), got a list' },
    ]);
  });

  test('YAML syntax errors carry line and column', () => {
    assert.deepEqual(problemLines('extensions:\n  - number: 100\n    name: "Alice\n'), [': YAML syntax error at line 4, column 1: Missing closing "quote']);
    assert.deepEqual(problemLines('server:\n  port: 1\n  port: 2\n'), [': YAML syntax error at line 3, column 3: Map keys must be unique']);
  });

  test('an unreadable file is a ConfigError naming the file', () => {
    const path = join(tempRoot, 'missing.yaml');
    assert.throws(
      () => loadConfigFile(path),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 1 && error.problems[0]?.file === path && /^cannot read the file: ENOENT/.test(error.problems[0].message),
    );
  });

  test('size limits fail cleanly: too many devices, too many DNs, too large a file', () => {
    const devices = Array.from({ length: CONFIG_LIMITS.maxDevicesPerExtension + 1 }, (_, i) => ({ id: `d${i}` }));
    assert.deepEqual(
      problemsOf(JSON.stringify({ extensions: [{ number: 100, devices }] })).map((p) => `${p.path}: ${p.message}`),
      ['extensions[0].devices: must have at most 16 entries, got 17'],
    );

    const half = CONFIG_LIMITS.maxDns / 2;
    const extensions = Array.from({ length: half }, (_, i) => ({ number: String(100_000 + i) }));
    const queues = Array.from({ length: half + 1 }, (_, i) => ({ number: String(200_000 + i), agents: ['100000'] }));
    assert.deepEqual(
      problemsOf(JSON.stringify({ extensions, queues })).map((p) => `${p.path}: ${p.message}`),
      [`queues[${half}].number: one DN too many: at most 10000 DNs of all kinds together`],
    );

    const huge = `# ${'x'.repeat(CONFIG_LIMITS.maxFileBytes)}\n`;
    assert.deepEqual(problemsOf(huge), [{ file: 'pbx.yaml', path: '', message: `the configuration is ${huge.length} bytes; the limit is ${CONFIG_LIMITS.maxFileBytes} bytes` }]);
  });

  test('the message lists at most maxProblemsShown problems, then says how many more there are', () => {
    const monitor = Array.from({ length: CONFIG_LIMITS.maxProblemsShown + 5 }, (_, i) => String(1000 + i));
    assert.throws(
      () => normalizeConfig({ routePoints: [{ number: 800 }], applications: [{ clientId: 800, secret: '12345678', monitor }] }, '<inline>', '/'),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, CONFIG_LIMITS.maxProblemsShown + 5);
        const lines = error.message.split('\n');
        assert.equal(lines.length, CONFIG_LIMITS.maxProblemsShown + 1);
        assert.equal(lines[0], '<inline>: applications[0].monitor[0]: names DN 1000, which is not configured');
        assert.equal(lines.at(-1), '... and 5 more problems');
        return true;
      },
    );
  });
});
