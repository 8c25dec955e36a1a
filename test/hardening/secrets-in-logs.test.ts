// Credentials never reach the log stream: query parameters are redacted in request logs, the banner keeps to stderr.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { redactTarget } from '../../src/guard/redact.js';
import { createTestApp } from '../helpers/api.js';
import { startCli } from '../helpers/cli.js';

describe('request logs', () => {
  test('credential-bearing query parameters are redacted, whatever their spelling; other parameters are kept', async (t) => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
        callback();
      },
    });
    const api = await createTestApp(t, { app: { log: { level: 'info', destination } } });
    const targets = [
      '/healthz?access_token=SECRET-ONE&x=1',
      '/sim/state?key=SECRET-TWO',
      '/callcontrol/ws?ACCESS_TOKEN=SECRET-THREE',
      '/healthz?acc%65ss_token=SECRET-FOUR&y=2',
      '/connect/token?client_secret=SECRET-FIVE',
      '/healthz?a=1;password=SECRET-SIX',
    ];
    for (const url of targets) await api.app.inject({ method: 'GET', url });
    const log = lines.join('\n');
    for (const secret of ['SECRET-ONE', 'SECRET-TWO', 'SECRET-THREE', 'SECRET-FOUR', 'SECRET-FIVE', 'SECRET-SIX']) assert.ok(!log.includes(secret), `${secret} was logged:\n${log}`);
    const urls = lines.map((line) => (JSON.parse(line) as { url?: string }).url).filter((url) => url !== undefined);
    assert.ok(urls.includes('/healthz?access_token=[redacted]&x=1'), urls.join('\n'));
    assert.ok(urls.includes('/healthz?acc%65ss_token=[redacted]&y=2'), urls.join('\n'));
  });

  test('redactTarget leaves targets without secrets as sent', () => {
    assert.equal(redactTarget('/callcontrol/800/participants?dn=100&keyword=x'), '/callcontrol/800/participants?dn=100&keyword=x');
    assert.equal(redactTarget('/healthz'), '/healthz');
    assert.equal(redactTarget('/x?token'), '/x?token=[redacted]');
  });
});

describe('the serve banner', () => {
  test('goes to standard error, away from the JSON logs on standard output; given secrets are not echoed', async () => {
    const cli = await startCli(['serve', '--host', '127.0.0.1', '--port', '0'], { SWITCHBOARD_DEMO_SECRET: 'given-demo-secret', SWITCHBOARD_ADMIN_KEY: 'given-admin-key-0123456789' });
    const [, url] = await cli.waitFor(/URL:\s+(http:\/\/127\.0\.0\.1:\d+)/, 'stderr');
    await cli.waitFor(/Press Ctrl\+C/, 'stderr');
    await fetch(`${url}/healthz?key=given-admin-key-0123456789`);
    await cli.waitFor(/"msg":"request"/, 'stdout');
    cli.child.kill('SIGTERM');
    await cli.exited;
    for (const line of cli.stdout().split('\n').filter((l) => l !== '')) assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line on stdout: ${line}`);
    const everything = cli.stdout() + cli.stderr();
    assert.ok(!everything.includes('given-demo-secret'), 'the given demo secret was printed');
    assert.ok(!everything.includes('given-admin-key-0123456789'), 'the given admin key was printed');
    assert.match(cli.stderr(), /client_secret: from SWITCHBOARD_DEMO_SECRET/);
    assert.match(cli.stderr(), /Admin key:\s+from SWITCHBOARD_ADMIN_KEY/);
  });

  test('generated secrets are printed, on standard error only', async () => {
    const cli = await startCli(['serve', '--host', '127.0.0.1', '--port', '0']);
    const [, secret] = await cli.waitFor(/client_secret: (\S+)/, 'stderr');
    const [, key] = await cli.waitFor(/Admin key:\s+(\S+)/, 'stderr');
    await cli.waitFor(/Press Ctrl\+C/, 'stderr');
    cli.child.kill('SIGTERM');
    await cli.exited;
    assert.ok(secret!.length >= 16 && key!.length >= 16);
    assert.ok(!cli.stdout().includes(secret!) && !cli.stdout().includes(key!), 'a secret reached standard output');
  });
});
