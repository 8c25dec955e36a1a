// A SIP trunk of the whole server registering to an in-process provider on loopback: /sim/sip/trunks, /metrics, the CLI, the log, restart, unregister on close.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { demoConfig } from '../../src/config/demo.js';
import type { TrunkSipConfig } from '../../src/config/types.js';
import { ManualClock } from '../../src/core/clock.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { formatUri } from '../../src/sip/uri.js';
import { formatTrunks } from '../../src/cli/commands/sip.js';
import { runCli } from '../client/harness.js';
import { FakeProvider } from './helpers/fake-provider.js';

const PASSWORD = 'provider-secret-9f3k';

interface TrunkView {
  trunk: string;
  provider: string;
  mode: string;
  registration: { state: string; lastStatus: number | null; lastReason: string | null; expiresInSeconds: number | null; nextAttemptInSeconds: number | null; registrations: number; failures: number } | null;
}

async function trunks(server: RunningServer): Promise<TrunkView[]> {
  const response = await fetch(`${server.url}/sim/sip/trunks`, { headers: { authorization: `Bearer ${server.adminKey}` } });
  assert.equal(response.status, 200);
  return (await response.json()) as TrunkView[];
}

/** Polls /sim/sip/trunks (real time, bounded) until trunk 10000 is in `state`. */
async function untilState(server: RunningServer, state: string): Promise<TrunkView> {
  for (let i = 0; i < 500; i++) {
    const [trunk] = await trunks(server);
    if (trunk?.registration?.state === state) return trunk;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`trunk 10000 did not reach ${state}: ${JSON.stringify(await trunks(server))}`);
}

/** Polls until trunk 10000 has been registered `count` times (a refresh is too quick to catch in between). */
async function untilRegistrations(server: RunningServer, count: number): Promise<TrunkView> {
  for (let i = 0; i < 500; i++) {
    const [trunk] = await trunks(server);
    if (trunk?.registration?.registrations === count && trunk.registration.state === 'registered') return trunk;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`trunk 10000 was not registered ${count} times: ${JSON.stringify(await trunks(server))}`);
}

function sipTrunk(port: number, overrides: Partial<TrunkSipConfig> = {}): TrunkSipConfig {
  return {
    host: '127.0.0.1',
    port,
    transport: 'udp',
    register: true,
    username: '15550100',
    authId: 'acct-7',
    password: PASSWORD,
    expiresSeconds: 300,
    peers: [],
    callerId: 'from',
    didFrom: 'request-uri',
    numbers: null,
    ...overrides,
  };
}

describe('SIP trunk registration in the server', () => {
  test('registers with digest, shows in /sim, /metrics and the CLI, refreshes, recovers after a provider restart, unregisters on close; the password is never logged', async () => {
    const networkClock = new ManualClock(Date.now());
    const provider = new FakeProvider({ clock: networkClock, authId: 'acct-7', password: PASSWORD, grantSeconds: 120 });
    await provider.start();
    const config = demoConfig({ demoSecret: 'trunk-test-secret' });
    config.server.dataDir = mkdtempSync(join(tmpdir(), 'switchboard-trunk-'));
    config.trunks.push({ number: '10001', name: 'Office', device: { id: 'sip:10001@127.0.0.1', userAgent: 'Switchboard Trunk' }, dids: [], sip: sipTrunk(5070, { register: false, host: '192.0.2.20', username: null, authId: null, password: null }) });
    config.trunks[0]!.sip = sipTrunk(provider.port);
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(...String(chunk).split('\n').filter(Boolean)), done()) });
    const server = await startServer({ config, host: '127.0.0.1', port: 0, fakeClock: true, networkClock, sip: { host: '127.0.0.1', port: 0 }, log: { level: 'debug', destination } });
    const clock = server.clock as ManualClock;
    let closed = false;
    try {
      let trunk = await untilState(server, 'registered');
      assert.deepEqual(trunk, {
        trunk: '10000',
        name: 'PSTN',
        provider: `udp:127.0.0.1:${provider.port}`,
        mode: 'register',
        registration: { state: 'registered', lastStatus: 200, lastReason: 'OK', expiresInSeconds: 120, nextAttemptInSeconds: 60, registrations: 1, failures: 0 },
      });
      const peer = (await trunks(server))[1];
      assert.deepEqual(peer, { trunk: '10001', name: 'Office', provider: 'udp:192.0.2.20:5070', mode: 'peer', registration: null });
      // From the PBX's own SIP socket, with its address in Via and Contact.
      const sipPort = server.sip!.udpPort!;
      assert.equal(provider.seen[0]!.source.port, sipPort);
      assert.equal(provider.registers[1]!.headers.get('Contact'), `<sip:15550100@127.0.0.1:${sipPort}>`);
      assert.equal(formatUri(provider.registers[1]!.uri), `sip:127.0.0.1:${provider.port}`);

      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^switchboard_sip_trunk_registration_state\{trunk="10000",state="registered"\} 1$/m);
      assert.match(metrics, /^switchboard_sip_trunk_registration_state\{trunk="10000",state="failed"\} 0$/m);
      assert.match(metrics, /^switchboard_sip_trunk_registrations_total\{trunk="10000"\} 1$/m);
      assert.match(metrics, /^switchboard_sip_trunk_registration_failures_total\{trunk="10000"\} 0$/m);
      assert.doesNotMatch(metrics, /trunk="10001"/, 'a peer-mode trunk has no registration series');

      const env = { SWITCHBOARD_URL: server.url, SWITCHBOARD_ADMIN_KEY: server.adminKey };
      const table = await runCli(['sip', 'trunks'], env);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /TRUNK\s+NAME\s+PROVIDER\s+MODE\s+STATE\s+LAST ANSWER\s+EXPIRES IN\s+NEXT ATTEMPT/);
      assert.match(table.stdout, new RegExp(`10000\\s+PSTN\\s+udp:127\\.0\\.0\\.1:${provider.port}\\s+register\\s+registered\\s+200 OK\\s+120 s\\s+60 s`));
      assert.match(table.stdout, /10001\s+Office\s+udp:192\.0\.2\.20:5070\s+peer\s+-\s+-\s+-\s+-/);
      const json = await runCli(['sip', 'trunks', '--json'], env);
      assert.deepEqual(JSON.parse(json.stdout), await trunks(server));
      assert.equal(formatTrunks([]), 'No SIP trunks.');

      // The refresh runs on the PBX clock (POST /sim/clock/advance moves it too).
      clock.advance(60_000);
      await untilRegistrations(server, 2);

      // The provider restarts: the refresh times out (Timer F on the network clock), and a retry 5 s later registers again.
      await provider.stop();
      const live = server.sip!.server.liveTransactions;
      clock.advance(60_000);
      await untilState(server, 'registering');
      // The REGISTER's transaction has started (its Timer F runs) before the network clock moves.
      for (let i = 0; i < 10_000 && server.sip!.server.liveTransactions === live; i++) await new Promise((resolve) => setImmediate(resolve));
      networkClock.advance(32_000);
      trunk = await untilState(server, 'failed');
      assert.deepEqual([trunk.registration?.lastReason, trunk.registration?.nextAttemptInSeconds, trunk.registration?.failures], ['no answer (timeout)', 5, 1]);
      assert.match(await (await fetch(`${server.url}/metrics`)).text(), /^switchboard_sip_trunk_registration_failures_total\{trunk="10000"\} 1$/m);
      await provider.start();
      clock.advance(5_000);
      trunk = await untilRegistrations(server, 3);
      assert.equal(trunk.registration?.state, 'registered');

      provider.seen.length = 0;
      await server.close();
      closed = true;
      assert.deepEqual(provider.registers.map((r) => r.headers.get('Expires')), ['0', '0'], 'unregistered (challenged, then authorised) on close');
    } finally {
      if (!closed) await server.close();
      await provider.stop();
    }
    const log = lines.join('\n');
    assert.match(log, /"msg":"SIP trunk registered"/);
    assert.match(log, /"msg":"SIP trunk registration failed"/);
    assert.doesNotMatch(log, new RegExp(PASSWORD), 'the provider password is never logged');
  });
});
