// SIPp as a trunk's provider registrar on 127.0.0.1: it challenges every REGISTER, checks the credentials, grants 60 s; the server registers, refreshes and unregisters.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { demoConfig } from '../../src/config/demo.js';
import type { ManualClock } from '../../src/core/clock.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { freeUdpPort, sippServer, SIPP_SKIP } from './helpers/sipp.js';

interface Registration {
  state: string;
  registrations: number;
  expiresInSeconds: number | null;
  nextAttemptInSeconds: number | null;
}

async function registration(server: RunningServer): Promise<Registration | undefined> {
  const response = await fetch(`${server.url}/sim/sip/trunks`, { headers: { authorization: `Bearer ${server.adminKey}` } });
  const [trunk] = (await response.json()) as Array<{ registration: Registration | null }>;
  return trunk?.registration ?? undefined;
}

/** Polls /sim/sip/trunks (bounded, real time: SIPp answers in its own time) until trunk 10000 has `count` registrations. */
async function untilRegistered(server: RunningServer, count: number): Promise<Registration> {
  for (let i = 0; i < 400; i++) {
    const r = await registration(server);
    if (r?.state === 'registered' && r.registrations === count) return r;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`trunk 10000 was not registered ${count} times: ${JSON.stringify(await registration(server))}`);
}

describe('a SIP trunk against SIPp as the registrar', { skip: SIPP_SKIP }, () => {
  test('challenged registration, a refresh before the granted 60 s run out, and the unregister on close', async () => {
    const port = await freeUdpPort();
    const sipp = sippServer('trunk-registrar.xml', port, 30);
    const config = demoConfig({ demoSecret: 'trunk-sipp-test' });
    config.server.dataDir = mkdtempSync(join(tmpdir(), 'switchboard-trunk-sipp-'));
    config.trunks[0]!.sip = {
      host: '127.0.0.1',
      port,
      transport: 'udp',
      register: true,
      username: '15550100',
      authId: 'acct-7',
      password: 'trunk-sipp-secret',
      expiresSeconds: 300,
      peers: [],
      callerId: 'from',
      didFrom: 'request-uri',
      numbers: null,
    };
    const server = await startServer({ config, host: '127.0.0.1', port: 0, fakeClock: true, sip: { host: '127.0.0.1', port: 0 } });
    let closed = false;
    try {
      const first = await untilRegistered(server, 1);
      assert.deepEqual([first.expiresInSeconds, first.nextAttemptInSeconds], [60, 30], 'the grant is SIPp\'s 60 s, refreshed at half');
      (server.clock as ManualClock).advance(30_000);
      await untilRegistered(server, 2);
      await server.close();
      closed = true;
      const run = await sipp.done;
      assert.equal(run.code, 0, run.output);
    } finally {
      if (!closed) await server.close();
      sipp.kill();
    }
  });
});
