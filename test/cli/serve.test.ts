// End-to-end tests of `switchboard serve`: the real process, its banner, its shutdown and its configuration errors.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resolveServeSettings } from '../../src/cli/settings.js';
import { startCli, untilFile } from '../helpers/cli.js';

describe('switchboard serve', () => {
  test('runs the demo PBX, prints URL, client id and where the secret came from on stderr, serves HTTP, and exits 0 on SIGTERM', async () => {
    const cli = await startCli(['serve', '--host', '127.0.0.1', '--port', '0'], { SWITCHBOARD_DEMO_SECRET: 'cli-test-secret' });
    const [, url] = await cli.waitFor(/URL:\s+(http:\/\/127\.0\.0\.1:\d+)/, 'stderr');
    await cli.waitFor(/Press Ctrl\+C/, 'stderr');
    assert.match(cli.stderr(), /3CX Call Control API on the embedded demo PBX/);
    assert.match(cli.stderr(), /client_id: 800\s+client_secret: from SWITCHBOARD_DEMO_SECRET/);
    assert.match(cli.stderr(), /Admin key:\s+\S+/);
    assert.match(cli.stderr(), /HTTPS:\s+https:\/\/localhost:\d+/);
    assert.match(cli.stderr(), /Trust:\s+NODE_EXTRA_CA_CERTS=\S+cert\.pem/);
    const response = await fetch(`${url}/healthz`);
    assert.equal(response.status, 200);
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
  });

  test('--ready-file: the URL is written once the server listens, and the file removed when it stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
    const file = join(dir, 'ready');
    const cli = await startCli(['serve', '--host', '127.0.0.1', '--port', '0', '--ready-file', file]);
    const [, url] = await cli.waitFor(/URL:\s+(http:\/\/127\.0\.0\.1:\d+)/, 'stderr');
    await untilFile(file);
    assert.equal(readFileSync(file, 'utf8'), `${url}\n`);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
    assert.equal(existsSync(file), false);
    rmSync(dir, { recursive: true, force: true });
  });

  test('generates a demo secret when none is given, and stops on SIGINT too', async () => {
    const cli = await startCli(['serve', '--host', '127.0.0.1', '--port', '0']);
    const [, secret] = await cli.waitFor(/client_secret: (\S+)/, 'stderr');
    assert.ok(secret!.length >= 16);
    await cli.waitFor(/Press Ctrl\+C/, 'stderr');
    cli.child.kill('SIGINT');
    const exit = await cli.exited;
    assert.equal(exit.code, 0, JSON.stringify({ exit, out: cli.stdout(), err: cli.stderr() }));
  });

  test('a configuration file with mistakes refuses to start, naming file, key path and expectation for each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      ['extensions:', '  - number: "100"', '    name: Alice', '    devices:', '      - id: sip:100@127.0.0.1', '        behaviour: bussy', '  - number: "100"', '    nmae: Twin', 'applications:', '  - clientId: "100"', '    secret: long-enough-secret', '    monitor: ["999"]', ''].join('\n'),
    );
    const cli = await startCli(['serve', '--config', file, '--port', '0']);
    const { code } = await cli.exited;
    assert.equal(code, 2);
    const problems = cli.stderr().split('\n').filter((line) => line.startsWith(file) || line.includes('broken.yaml:'));
    assert.ok(problems.length >= 4, cli.stderr());
    for (const path of ['extensions[0].devices[0].behaviour', 'extensions[1]', 'applications[0].clientId', 'applications[0].monitor[0]']) {
      assert.ok(problems.some((line) => line.includes(path)), `no problem reported at ${path}:\n${cli.stderr()}`);
    }
    assert.equal(cli.stdout(), '', 'nothing is started');
  });

  test('an unknown command or flag exits 2 with usage', async () => {
    const unknown = await startCli(['launch']);
    assert.equal((await unknown.exited).code, 2);
    assert.match(unknown.stderr(), /unknown command 'launch'/);
    const badFlag = await startCli(['serve', '--colour']);
    assert.equal((await badFlag.exited).code, 2);
    assert.match(badFlag.stderr(), /Usage: switchboard serve/);
  });
});

describe('serve settings: flags over environment over the file', () => {
  test('host and port come from flags, then SWITCHBOARD_HOST/PORT, then the configuration', () => {
    const fromDefaults = resolveServeSettings([], { SWITCHBOARD_DEMO_SECRET: 'abcdefgh12345678' });
    assert.equal(fromDefaults.host, '0.0.0.0');
    assert.equal(fromDefaults.port, 5001);
    assert.equal(fromDefaults.demoSecret, 'abcdefgh12345678');
    assert.equal(fromDefaults.config.applications[0]!.secret, 'abcdefgh12345678');
    const fromEnv = resolveServeSettings([], { SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_PORT: '6001' });
    assert.deepEqual([fromEnv.host, fromEnv.port], ['127.0.0.1', 6001]);
    const fromFlags = resolveServeSettings(['--host', '::1', '--port', '7001'], { SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_PORT: '6001' });
    assert.deepEqual([fromFlags.host, fromFlags.port], ['::1', 7001]);
  });

  test('the admin key comes from SWITCHBOARD_ADMIN_KEY, else is generated', () => {
    assert.equal(resolveServeSettings([], { SWITCHBOARD_ADMIN_KEY: 'admin-key-0123456789' }).adminKey, 'admin-key-0123456789');
    const a = resolveServeSettings([], {}).adminKey;
    const b = resolveServeSettings([], {}).adminKey;
    assert.notEqual(a, b);
    assert.ok(a.length >= 16);
  });

  test('--tls-cert and --tls-key set the certificate, and go together', () => {
    const settings = resolveServeSettings(['--tls-cert', 'c.pem', '--tls-key', 'k.pem'], {});
    assert.deepEqual([settings.config.server.tls.enabled, settings.config.server.tls.cert, settings.config.server.tls.key], [true, join(process.cwd(), 'c.pem'), join(process.cwd(), 'k.pem')]);
    assert.throws(() => resolveServeSettings(['--tls-cert', 'c.pem'], {}), /--tls-cert and --tls-key go together/);
  });

  test('a bad port is a usage error', () => {
    assert.throws(() => resolveServeSettings(['--port', 'http'], {}), /--port must be a whole number/);
    assert.throws(() => resolveServeSettings(['--port', '70000'], {}), /--port must be a whole number/);
  });

  test('SWITCHBOARD_CONFIG names the configuration file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
    const file = join(dir, 'pbx.yaml');
    writeFileSync(file, 'routePoints:\n  - number: "900"\n    name: Bot\napplications:\n  - clientId: "900"\n    secret: a-long-enough-secret\n    monitor: []\n');
    const settings = resolveServeSettings([], { SWITCHBOARD_CONFIG: file });
    assert.equal(settings.source, file);
    assert.equal(settings.demoSecret, null);
    assert.deepEqual(settings.config.applications.map((a) => a.clientId), ['900']);
  });
});
