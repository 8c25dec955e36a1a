// `switchboard serve` (what `npm start` runs) with SIP: the banner's SIP and softphone lines, a SIPp REGISTER with digest
// against the port it printed, the TLS port with server.sip.tls, SIP flags over environment, and SIP switched off.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { resolveServeSettings } from '../../src/cli/settings.js';
import { startCli } from '../helpers/cli.js';
import { sipp, SIPP_SKIP } from './helpers/sipp.js';

describe('switchboard serve with SIP', () => {
  test('prints the SIP line and how to register a softphone with the generated password; SIPp registers 100 with it', { skip: SIPP_SKIP }, async () => {
    const cli = await startCli(['serve', '--host', '127.0.0.1', '--port', '0', '--sip-port', '0']);
    try {
      const [, port] = await cli.waitFor(/SIP:\s+udp\+tcp 127\.0\.0\.1:(\d+)/, 'stderr');
      const [, password] = await cli.waitFor(new RegExp(`Softphone:\\s+register sip:100@127\\.0\\.0\\.1:${port} \\(or 101-103\\), auth id = the extension, password: (\\S+)`), 'stderr');
      await cli.waitFor(/Press Ctrl\+C/, 'stderr');
      const run = await sipp(`127.0.0.1:${port}`, 'register.xml', ['-s', '100', '-au', '100', '-ap', password!]);
      assert.equal(run.code, 0, run.output);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  test('a demo SIP password given in the environment is named, not printed', async () => {
    const cli = await startCli(['serve', '--host', '127.0.0.1', '--port', '0'], { SWITCHBOARD_DEMO_SIP_PASSWORD: 'given-sip-pass' });
    try {
      await cli.waitFor(/Softphone:.*password: from SWITCHBOARD_DEMO_SIP_PASSWORD/, 'stderr');
      await cli.waitFor(/Press Ctrl\+C/, 'stderr');
      assert.doesNotMatch(cli.stderr() + cli.stdout(), /given-sip-pass/);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  test('a configured SIP password is never printed, and server.sip.enabled: false starts no SIP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-sip-serve-'));
    const file = join(dir, 'pbx.yaml');
    writeFileSync(file, 'server:\n  sip: { enabled: false }\nextensions:\n  - { number: 100, sip: { password: configured-secret } }\n');
    const cli = await startCli(['serve', '--config', file, '--host', '127.0.0.1', '--port', '0']);
    try {
      await cli.waitFor(/Press Ctrl\+C/, 'stderr');
      assert.doesNotMatch(cli.stderr() + cli.stdout(), /SIP:|Softphone:|configured-secret/);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  test('with server.sip.tls on, the SIP line also names the TLS port, and a TLS client trusting the kept certificate connects to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-sip-serve-'));
    const file = join(dir, 'pbx.yaml');
    writeFileSync(file, `server:\n  dataDir: ${JSON.stringify(join(dir, 'data'))}\n  sip: { tls: { enabled: true, port: 0 } }\n`);
    const cli = await startCli(['serve', '--config', file, '--host', '127.0.0.1', '--port', '0', '--sip-port', '0']);
    try {
      const [, tlsPort] = await cli.waitFor(/SIP:\s+udp\+tcp 127\.0\.0\.1:\d+, tls 127\.0\.0\.1:(\d+)/, 'stderr');
      await cli.waitFor(/Press Ctrl\+C/, 'stderr');
      const socket = tlsConnect({ host: '127.0.0.1', port: Number(tlsPort), ca: readFileSync(join(dir, 'data', 'tls', 'cert.pem')) });
      socket.on('error', () => {});
      try {
        await once(socket, 'secureConnect');
        assert.equal(socket.authorized, true);
      } finally {
        socket.destroy();
      }
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  test('SIP host and port come from flags, then SWITCHBOARD_SIP_HOST/PORT, then server.sip; a bad port is a usage error', () => {
    const defaults = resolveServeSettings([], {});
    assert.deepEqual([defaults.config.server.sip.host, defaults.config.server.sip.port], ['127.0.0.1', 5060]);
    const fromEnv = resolveServeSettings([], { SWITCHBOARD_SIP_HOST: '0.0.0.0', SWITCHBOARD_SIP_PORT: '5070' });
    assert.deepEqual([fromEnv.config.server.sip.host, fromEnv.config.server.sip.port], ['0.0.0.0', 5070]);
    const fromFlags = resolveServeSettings(['--sip-host', '::1', '--sip-port', '0'], { SWITCHBOARD_SIP_HOST: '0.0.0.0', SWITCHBOARD_SIP_PORT: '5070' });
    assert.deepEqual([fromFlags.config.server.sip.host, fromFlags.config.server.sip.port], ['::1', 0]);
    assert.throws(() => resolveServeSettings(['--sip-port', 'sip'], {}), /--sip-port must be a whole number from 0 to 65535, got 'sip'/);
    assert.throws(() => resolveServeSettings(['--sip-port', '65536'], {}), /--sip-port must be a whole number/);
  });
});
