// SIPp against a small server built from src/sip, on 127.0.0.1: OPTIONS, REGISTER with digest, and a wrong password.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SystemClock } from '../../src/core/clock.js';
import { startStackServer } from './helpers/stack-server.js';

const SIPP = '/usr/bin/sipp';
const SCENARIOS = new URL('./sipp/', import.meta.url).pathname;

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Runs one bounded SIPp call (-m 1, 10 s timeout) and resolves with its exit status and output. */
async function sipp(target: string, scenario: string, extra: string[]): Promise<{ code: number | null; output: string }> {
  const args = [target, '-sf', join(SCENARIOS, scenario), '-m', '1', '-timeout', '10s', '-timeout_error', '-nostdin', '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(await freeUdpPort()), ...extra];
  const child = spawn(SIPP, args, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  // SIPp's own -timeout ends it; this is the backstop if it hangs anyway.
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  return { code, output };
}

describe('SIPp against the SIP stack', { skip: !existsSync(SIPP) && process.env.CI !== 'true' ? 'sipp is not installed (install sip-tester)' : false }, () => {
  let server: Awaited<ReturnType<typeof startStackServer>>;
  let target = '';

  before(async () => {
    server = await startStackServer(new SystemClock(), { '100': 'pw100', '101': 'pw101' });
    target = `127.0.0.1:${server.ports.udp}`;
  });
  after(async () => server?.stop());

  test('OPTIONS is answered 200', async () => {
    const run = await sipp(target, 'options.xml', ['-s', 'nobody']);
    assert.equal(run.code, 0, run.output);
  });

  test('REGISTER: 401 with an MD5 challenge first, then 200 with SIPp\'s [authentication]; the binding keeps contact and User-Agent', async () => {
    const run = await sipp(target, 'register.xml', ['-s', '100', '-au', '100', '-ap', 'pw100']);
    assert.equal(run.code, 0, run.output);
    const [binding] = server.store.list('sip:100@127.0.0.1');
    assert.ok(binding, 'a binding was stored');
    assert.match(binding.contact, /^sip:100@127\.0\.0\.1:\d+$/);
    assert.equal(binding.userAgent, 'SIPp');
  });

  test('a wrong password is challenged again and stores nothing', async () => {
    const run = await sipp(target, 'register-wrong.xml', ['-s', '101', '-au', '101', '-ap', 'wrong']);
    assert.equal(run.code, 0, run.output);
    assert.equal(server.store.list('sip:101@127.0.0.1').length, 0);
  });
});
