// baresip, a real softphone, registering headless as extension 100 on 127.0.0.1: a device over REST and the event socket, gone on quit.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { PbxConfig } from '../../src/config/types.js';
import { deviceFrames, SIP_TEST_PASSWORD, startSipPbx, type SipPbx } from './helpers/sip-pbx.js';
import { freeUdpPort } from './helpers/sipp.js';

const BARESIP = '/usr/bin/baresip';
const SKIP = !existsSync(BARESIP) && process.env.CI !== 'true' ? 'baresip is not installed (install baresip-core)' : false;
if (SKIP) console.warn(`SKIPPING baresip tests: ${SKIP}`);

interface Baresip {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Sends one ctrl_tcp command (a netstring-framed JSON object). */
  command(name: string): Promise<void>;
  kill(): Promise<void>;
}

async function startBaresip(sipPort: number, regint: number): Promise<Baresip> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-baresip-'));
  const [listen, control] = [await freeUdpPort(), await freeUdpPort()];
  writeFileSync(
    join(dir, 'config'),
    [`sip_listen 127.0.0.1:${listen}`, 'module_path /usr/lib/baresip/modules', 'module g711.so', 'module_app account.so', 'module_app ctrl_tcp.so', `ctrl_tcp_listen 127.0.0.1:${control}`, 'audio_player aufile,/dev/null', 'audio_source aufile,/dev/null', ''].join('\n'),
  );
  writeFileSync(join(dir, 'accounts'), `<sip:100@127.0.0.1:${sipPort};transport=udp>;auth_pass=${SIP_TEST_PASSWORD};regint=${regint}\n`);
  // -t bounds the run even if the test never gets to quit it.
  const child = spawn(BARESIP, ['-f', dir, '-t', '60'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      text += String(error);
      resolve(null);
    });
    child.on('exit', (code) => resolve(code));
  });
  return {
    child,
    output: () => text,
    exited,
    command: (name) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect(control, '127.0.0.1', () => {
          const json = JSON.stringify({ command: name });
          socket.end(`${Buffer.byteLength(json)}:${json},`, () => resolve());
        });
        socket.on('error', reject);
      }),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const backstop = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(backstop);
    },
  };
}

// baresip 1.0 (libre) gives up on a 401 that carries a challenge it cannot compute ("Register: Function not implemented"
// for SHA-256), so it registers to a server that offers MD5 only: the server.sip.algorithms setting docs/sip.md gives for it.
const MD5_ONLY = { configure: (config: PbxConfig) => void (config.server.sip.algorithms = ['MD5']) };

async function devicesOf(pbx: SipPbx): Promise<Array<{ device_id: string; user_agent: string }>> {
  return (await pbx.get('/callcontrol/100/devices')).body as Array<{ device_id: string; user_agent: string }>;
}

describe('baresip registering as extension 100', { skip: SKIP }, () => {
  test('appears in GET /callcontrol/100/devices with its contact and User-Agent (Upsert) and goes when it quits (Remove)', async () => {
    const pbx = await startSipPbx(MD5_ONLY);
    const events = await pbx.events();
    const phone = await startBaresip(pbx.sipPort, 600);
    try {
      await events.waitFor((f) => deviceFrames(f, '100').some(([type]) => type === 0), () => `baresip's Upsert (baresip said: ${phone.output()})`);
      const [[, contact]] = deviceFrames(events.frames, '100') as [[number, string]];
      assert.match(contact, /^sip:100-?[^@]*@127\.0\.0\.1:\d+/);
      const device = (await devicesOf(pbx)).find((d) => d.device_id === contact);
      assert.ok(device, 'the device is listed');
      assert.match(device.user_agent, /^baresip/);
      await phone.command('quit');
      await events.waitFor((f) => deviceFrames(f, '100').some(([type, id]) => type === 1 && id === contact), () => `the Remove when baresip quits (baresip said: ${phone.output()})`);
      assert.ok(!(await devicesOf(pbx)).some((d) => d.device_id === contact));
    } finally {
      await phone.kill();
      events.close();
      await pbx.close();
    }
  });

  test('a registration baresip stops refreshing expires on the clock (Remove)', async () => {
    const pbx = await startSipPbx(MD5_ONLY);
    const events = await pbx.events();
    const phone = await startBaresip(pbx.sipPort, 60);
    try {
      await events.waitFor((f) => deviceFrames(f, '100').some(([type]) => type === 0), () => `baresip's Upsert (baresip said: ${phone.output()})`);
      // Killed outright, baresip cannot unregister: only expiry can remove its device.
      phone.child.kill('SIGKILL');
      await phone.exited;
      assert.ok(!deviceFrames(events.frames, '100').some(([type]) => type === 1));
      pbx.clock.advance(60_000);
      await events.waitFor((f) => deviceFrames(f, '100').some(([type]) => type === 1), 'the Remove at expiry');
    } finally {
      await phone.kill();
      events.close();
      await pbx.close();
    }
  });
});
